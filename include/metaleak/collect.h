/* The parts of `metaleak collect` that need no network (src/cli/collectdedup.c). */
#ifndef METALEAK_COLLECT_H
#define METALEAK_COLLECT_H

#include <stddef.h>

#include "metaleak/reportread.h"

/* Keeps one report per JVM among rfs[0..n): reports of the same host, pid and JVM start time
 * (jvm.host, jvm.pid, jvm.start_epoch_ms), or with the same bytes when a report lacks them,
 * are one; the newest (generated_at) stays. The others are released, their files removed (they
 * are collect's own copies), and each is said on stdout. Returns the new count; the kept ones
 * are rfs[0..count), in their first order. */
size_t ml_collect_dedup(struct ml_rfile *rfs, size_t n);

/* url as it may be printed: a user:password@ in it becomes ***@. */
void ml_collect_shown_url(const char *url, char *out, size_t outlen);

#endif
