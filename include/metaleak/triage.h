/* The one line on-call reads first: the worst verdict of all reports (leak, undersized,
 * growing, healthy) and what to do first; and what a report cannot decide yet (the gates'
 * "undecided"). Shared by summary, html and check. */
#ifndef METALEAK_TRIAGE_H
#define METALEAK_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/leakgroup.h"
#include "metaleak/reportread.h"

enum ml_worst {
    ML_WORST_UNKNOWN = 0, /* no report has a Metaspace verdict and none has a leak */
    ML_WORST_HEALTHY,
    ML_WORST_GROWING,
    ML_WORST_UNDERSIZED,
    ML_WORST_LEAK,
};

/* The verdict of one report: metaspace.verdict, or `leak` for an older report with leaked
 * loaders, else unknown. */
enum ml_worst ml_report_verdict(const struct ml_rfile *rf);

/* The worst verdict over n reports; *worst_report (may be NULL) gets the index of the first
 * report with it. */
enum ml_worst ml_worst_verdict(const struct ml_rfile *rfs, size_t n, size_t *worst_report);

/* "leak", "undersized", "growing", "healthy", "unknown". */
const char *ml_worst_name(enum ml_worst w);

/* What to do first, one sentence without a trailing period, e.g. "fix the jdbc-driver leak
 * (13 leaked loaders, 8.4 MiB of Metaspace): ...". groups: the leak groups of the reports.
 * Returns buf. */
const char *ml_first_action(const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *groups,
                            char *buf, size_t len);

/* OutOfMemoryErrors over all reports (metaspace.out_of_memory.count). */
int64_t ml_oom_total(const struct ml_rfile *rfs, size_t n);

/* What report rf cannot decide, as one clause ("2 released loader(s) without a verdict yet
 * (ids 5, 7): an interval report; use the exit report"; "; "-separated when several) in buf.
 * Returns false (buf "") when the report can answer:
 *   - released (closed) loaders without a verdict, other than Flink's SafetyNet wrappers
 *     (never judged: the loader they wrap is) and loaders awaiting unload (no path from a GC
 *     root: garbage, not a leak). In an `exit` report of a JVM whose collector can prove
 *     leaks and with verify_on_exit, the loaders still closed were released by the shutdown
 *     itself, after the agent's checkpoint, and are not judged by design (docs/gc.md);
 *   - dropped.loaders > 0: loaders the agent could not track;
 *   - no metaspace.verdict (an early 0.1.0 agent). */
bool ml_undecided(const struct ml_rfile *rf, char *buf, size_t len);

#endif
