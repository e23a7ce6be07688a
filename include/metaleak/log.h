/* One-line diagnostics on stderr, "metaleak: LEVEL: message". Never call from GC or
 * ObjectFree callbacks. */
#ifndef METALEAK_LOG_H
#define METALEAK_LOG_H

#include <stddef.h>

#include "metaleak/options.h"

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
