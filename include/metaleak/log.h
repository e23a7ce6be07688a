/* One-line output on stderr. Two kinds of line:
 *   diagnostics  "metaleak: LEVEL: message" (level in lower case), free text for people;
 *   alerts       "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL metaleak: event=... key=value ..." (level in
 *                upper case, UTC time), one per event that matters, in logfmt for log search
 *                (docs/operations.md is the contract; alert.h formats the fields).
 * Never call from GC or ObjectFree callbacks. */
#ifndef METALEAK_LOG_H
#define METALEAK_LOG_H

#include <stddef.h>
#include <stdint.h>

/* The option `log` (options.h) sets the threshold: a line is printed when its level is at
 * most the threshold. `quiet` (the old name) and `error` both print errors only. As the level
 * of a line, ML_LOG_QUIET is never printed. */
enum ml_log_level {
    ML_LOG_QUIET = 0,
    ML_LOG_ERROR = 1,
    ML_LOG_WARN = 2,
    ML_LOG_INFO = 3,
    ML_LOG_DEBUG = 4,
};

/* Sets the threshold; errors are always printed. */
void ml_log_set_level(enum ml_log_level level);

/* Prints one line when level <= the threshold. */
void ml_log(enum ml_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A copy of s fit for a one-line message, in out (outlen bytes): control characters become
 * '?', a long text is cut with "...". Returns out. */
const char *ml_printable(const char *s, char *out, size_t outlen);

/* Prints "metaleak: error: ..." whatever the level, and counts it (ml_log_errors). */
void ml_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors printed so far (ml_log_error, and ml_log at ML_LOG_ERROR): the agent-errors metric. */
unsigned long long ml_log_errors(void);

/* Prints one alert line, "<UTC time> <LEVEL> metaleak: <text>", when level is at most the
 * threshold (ML_LOG_ERROR always). text is one line (alert.h builds it); a line longer than
 * 4 KiB is cut. epoch_ms is the event's wall-clock time. */
void ml_log_alert(enum ml_log_level level, int64_t epoch_ms, const char *text);

#endif
