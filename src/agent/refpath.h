/* The reference-path search: why is a leaked loader still alive? Worker thread only. */
#ifndef METALEAK_REFPATH_H
#define METALEAK_REFPATH_H

#include <jni.h>
#include <stdint.h>

/* Runs a search when one is due (a loader that the eligibility rule in refpath.c says starts
 * one): at once for the shutdown checkpoint, a Metaspace OOM, a report request and the exit
 * (the requests in req, state.h), otherwise rate-limited and with no walk longer than
 * max_pause (the walks stop the world; a verdict waiting for a search keeps only the bound on
 * their share of the time). Stores paths, causes and statuses in the records and what they mean
 * for the verdicts (verdict.h: held, in use, not held). Returns the number of loaders that got a
 * path; *proven those that the search proved leaked, *withdrawn the leak verdicts it took back.
 * Never fails the agent. */
unsigned ml_refpath_search_if_due(JNIEnv *jni, unsigned req, unsigned *proven,
                                  unsigned *withdrawn);

struct ml_refpath_stats {
    uint64_t searches;           /* searches run */
    uint64_t heap_walks;         /* heap walks they made */
    int64_t last_search_ms;      /* duration of the last one, -1 none */
    uint64_t deferred_searches;  /* automatic searches deferred by max_pause */
    uint64_t walks_cut;          /* walks cut at their time limit */
    uint64_t walks_filtered;     /* walks run with a class filter */
    int64_t longest_walk_ms;     /* the longest single walk (one pause), -1 none */
    double walk_rate_mb_per_s;   /* learnt walk rate, 0 unknown */
    int64_t walk_estimate_ms;    /* a whole walk's predicted length at the last deferral, -1 */
    const char *deferred_reason; /* why the last deferral happened, NULL none (static) */
};
void ml_refpath_stats(struct ml_refpath_stats *out);

#endif
