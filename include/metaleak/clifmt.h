/* Report values formatted for people: wall-clock times beside JVM-relative ones, loader labels
 * with ClassLoader.getName(), durations. Shared by `metaleak summary` and `metaleak html`. */
#ifndef METALEAK_CLIFMT_H
#define METALEAK_CLIFMT_H

#include <stddef.h>
#include <stdint.h>

#include "metaleak/reportread.h"

/* Parses the report's UTC time form "YYYY-MM-DDTHH:MM:SS[.mmm]Z" into ms since 1970. Returns
 * -1 when s is NULL or not in that form. */
int64_t ml_parse_iso8601(const char *s);

/* Formats ms since 1970 as "2026-12-03T13:42:16.837Z" into buf (at least 32 bytes); "?" for a
 * negative time. Returns buf. */
const char *ml_format_iso8601(int64_t epoch_ms, char *buf, size_t len);

/* Wall-clock time of the JVM's start, ms since 1970: jvm.start_epoch_ms, else generated_at
 * minus jvm.uptime_ms; -1 when neither is known. */
int64_t ml_report_start_epoch(const struct ml_rfile *rf);

/* A JVM-relative time with its wall-clock time beside it: "14.5 s (2026-12-03T13:41:39.473Z)",
 * or "14.5 s" when the report does not tell the start. "?" for a negative t_ms. Returns buf. */
const char *ml_format_jvm_time(const struct ml_rfile *rf, int64_t t_ms, char *buf, size_t len);

/* "4 min", "21 s", "2 h 5 min", "3 d 4 h". Returns buf. */
const char *ml_format_duration(int64_t ms, char *buf, size_t len);

/* A loader as people know it: "'name' (class@hash)" when ClassLoader.getName() is set,
 * "class@hash" otherwise; name, hash may be NULL. Returns buf. */
const char *ml_loader_label(const char *name, const char *class_name, const char *hash,
                            char *buf, size_t len);

/* The part of a leak's advice that the known leak's workaround does not already say: the
 * agent's advice of a known leak is "Known library leak ID (...): WORKAROUND In general:
 * GENERAL"; for such an advice (known set) GENERAL, or NULL when there is none; any other
 * advice as it is. */
const char *ml_advice_beyond_known(const char *advice, const struct ml_rknown *known);

#endif
