/* Time since JVM start. The origin is the process start time from /proc/self/stat, so that an
 * agent attached late still reports times relative to the JVM's start. */
#ifndef METALEAK_CLOCK_H
#define METALEAK_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Reads the process start time. Falls back to "now" when /proc is unreadable. Cannot fail. */
void ml_clock_init(void);

/* Milliseconds since JVM start. Async-signal and callback safe (clock_gettime only). */
int64_t ml_clock_ms(void);

/* Wall-clock time of JVM start (seconds since the epoch). */
time_t ml_clock_start_time(void);

/* Wall-clock milliseconds since the epoch. */
int64_t ml_clock_epoch_ms(void);

#endif
