/* One-line diagnostics on stderr, "metaleak: LEVEL: message". Never call from GC or
 * ObjectFree callbacks. */
#ifndef METALEAK_LOG_H
#define METALEAK_LOG_H

#include <stddef.h>

/* The option `log` (options.h) sets the threshold. */
enum ml_log_level { ML_LOG_QUIET = 0, ML_LOG_INFO = 1, ML_LOG_DEBUG = 2 };

/* Sets the threshold; errors are always printed. */
void ml_log_set_level(enum ml_log_level level);

/* Prints one line when level <= the threshold. */
void ml_log(enum ml_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A copy of s fit for a one-line message, in out (outlen bytes): control characters become
 * '?', a long text is cut with "...". Returns out. */
const char *ml_printable(const char *s, char *out, size_t outlen);

/* Prints "metaleak: error: ..." whatever the level. */
void ml_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
