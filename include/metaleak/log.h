/* One-line diagnostics on stderr, "metaleak: LEVEL: message". Never call from GC or
 * ObjectFree callbacks. */
#ifndef METALEAK_LOG_H
#define METALEAK_LOG_H

#include "metaleak/options.h"

/* Sets the threshold; errors are always printed. */
void ml_log_set_level(enum ml_log_level level);

/* Prints one line when level <= the threshold. */
void ml_log(enum ml_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "metaleak: error: ..." whatever the level. */
void ml_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
