/* How long each heap walk of a reference-path search may stop the JVM, and whether it may start
 * at all: the cap of an automatic search (max_pause), the end of a search (path_budget, or the
 * exit budget), and the walk rate learnt from the walks so far (walkrate.h). Worker thread
 * only. */
#ifndef METALEAK_WALKCAP_H
#define METALEAK_WALKCAP_H

#include <jni.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/walkrate.h"

/* The limits of one search's walks, in CLOCK_MONOTONIC nanoseconds (ml_walkcap_now_ns). */
struct ml_walk_limits {
    int64_t cap_ns;              /* longest single walk; 0: none (only the deadline) */
    int64_t deadline_ns;         /* no walk runs past this */
};

/* What the next walk may do. */
struct ml_walk_plan {
    int64_t start_ns;            /* when it was planned (just before the call) */
    int64_t stop_ns;             /* the callback aborts the walk at this time */
    int64_t limit_ns;            /* the pause it may cause: min(cap, time to the deadline) */
    int64_t heap_bytes;          /* heap used now, -1 unknown */
    int64_t predicted_ns;        /* predicted length of the walk, -1 unknown */
    int64_t unwind_ns;           /* predicted undoing after a cut (walkrate.h) */
    bool filtered;               /* run it with the class filter offered */
    bool capped;                 /* the limit is the cap, not the deadline */
};

enum ml_walk_go {
    ML_WALK_GO,                  /* run it (with plan->filtered, abort at plan->stop_ns) */
    ML_WALK_OVER_CAP,            /* predicted longer than the cap: do not start it */
    ML_WALK_OVER_DEADLINE,       /* predicted past the deadline, or the deadline has passed */
};

/* Monotonic nanoseconds; async-signal and callback safe (clock_gettime only). */
int64_t ml_walkcap_now_ns(void);

/* Heap used (Runtime.totalMemory() - freeMemory()) in bytes, -1 when unknown. */
int64_t ml_walkcap_heap_used(JNIEnv *jni);

/* Plans the next walk. A class filter is used only when the walk is predicted to end well
 * within its limit: the JVM calls back only for that class, so such a walk cannot be cut. */
enum ml_walk_go ml_walkcap_plan(JNIEnv *jni, const struct ml_walk_limits *lim, bool can_filter,
                                struct ml_walk_plan *plan);

/* Learns from the walk that plan started: how it ended, the bytes of the objects it reported,
 * and (for a walk cut by its callback) when the callback aborted it, 0 otherwise. */
void ml_walkcap_done(const struct ml_walk_plan *plan, enum ml_walk_end end, int64_t seen_bytes,
                     int64_t aborted_ns);

/* The walk rate learnt so far. */
const struct ml_walkrate *ml_walkcap_rate(void);

#endif
