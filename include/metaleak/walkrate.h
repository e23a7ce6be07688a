/* What one heap walk of the reference-path search costs on this heap, learnt from the walks
 * themselves, so that an automatic search never starts a walk that cannot finish within
 * max_pause (docs/configuration.md), and says how long a whole walk would take when it defers.
 *
 * A walk (FollowReferences) is one stop-the-world pause whose length grows with the heap: the
 * JVM visits every reachable object and looks up tags for every reference it reports, and
 * after the walk, even one its callback aborted, it undoes its marks: HotSpot versions that
 * mark visited objects in their headers (JDK 17.0.15 here) iterate over the whole heap to
 * restore them, those with a marking bitmap (JDK 19 and later) only free it. The model is
 * nanoseconds per byte of used heap, from the most recent walk:
 *   - a complete walk: its time / the heap used when it started;
 *   - a walk cut at its limit: the time it walked, scaled from the bytes of the objects it had
 *     reported by then (never more than the heap used) to the whole heap, plus the undoing; so
 *     the estimate of a whole walk is at least the time it already took, and larger the less it
 *     had covered. The undoing after the cut, per byte of used heap, is kept too: a cut walk
 *     must stop that much before its limit. Until a walk was cut, a prior per HotSpot is
 *     assumed: 2 ns per byte where marks live in object headers (JDK 18 and older; measured
 *     here: 0.5 to 1.9 ns per byte on JDK 17.0.15, depending on the machine's load), 0.1 ns per
 *     byte where they live in a bitmap that is only freed (JDK 19 and later, JDK-8283710);
 *   - a walk with a class filter (the JVM reports only references to one class, so it cannot
 *     be cut, and costs only the traversal) is kept apart: the unfiltered estimate, which is
 *     never smaller, bounds it until a filtered walk was measured.
 * Used heap includes garbage not yet collected, so a prediction errs on the long side when the
 * young generation is full; a walk still predicted short enough but longer in fact is cut at
 * its limit (refwalk.c), so a misprediction costs one capped pause, never more.
 *
 * Pure module: no JNI/JVMTI, unit-tested. */
#ifndef METALEAK_WALKRATE_H
#define METALEAK_WALKRATE_H

#include <stdbool.h>
#include <stdint.h>

enum ml_walk_end {
    ML_WALK_COMPLETE,        /* the whole heap was walked */
    ML_WALK_CUT,             /* stopped at its time limit (max_pause, or the search's deadline) */
    ML_WALK_EARLY,           /* stopped because every chain was found: teaches nothing */
    ML_WALK_FAILED,          /* the JVM refused it */
};

#define ML_WALK_UNWIND_PRIOR_NS_PER_BYTE 2.0         /* marks in object headers (JDK <= 18) */
#define ML_WALK_UNWIND_PRIOR_BITMAP_NS_PER_BYTE 0.1  /* marks in a bitmap (JDK 19+) */
#define ML_WALK_BITMAP_FROM_JDK 19

/* One walk as measured by its caller. */
struct ml_walk_sample {
    int64_t ns;              /* from the call to its return: the pause it caused */
    int64_t unwind_ns;       /* a cut walk: from the abort to the return; -1 otherwise */
    int64_t heap_bytes;      /* heap used when it started; <= 0 unknown */
    int64_t seen_bytes;      /* bytes of the objects the walk reported (its progress) */
    enum ml_walk_end end;
    bool filtered;           /* run with a class filter */
};

struct ml_walkrate {
    double ns_per_byte;          /* unfiltered walks; 0 unknown */
    double filtered_ns_per_byte; /* walks with a class filter; 0 unknown */
    bool from_cut;               /* ns_per_byte comes from a cut walk (an estimate) */
    double unwind_ns_per_byte;   /* undoing a cut walk; 0 not measured (the prior applies) */
    double unwind_prior_ns_per_byte; /* the prior: ML_WALK_UNWIND_PRIOR_* for this JDK */
    int64_t heap_bytes;          /* heap used at the walk ns_per_byte comes from, -1 none */
    uint64_t walks;              /* walks noted (every end) */
    uint64_t cut;                /* of which cut at their limit */
    uint64_t filtered;           /* of which with a class filter */
    int64_t longest_ns;          /* longest single walk, -1 none */
};

/* An empty model: nothing known yet; the undoing prior of a JDK that marks in object headers. */
void ml_walkrate_init(struct ml_walkrate *r);

/* Sets the undoing prior from the JDK's feature release (JVMTI's major version: 11, 17, 21...);
 * 0 or less when unknown keeps the header-marking prior, the longer one. */
void ml_walkrate_set_jdk(struct ml_walkrate *r, int feature);

/* Learns from one walk. */
void ml_walkrate_note(struct ml_walkrate *r, const struct ml_walk_sample *s);

/* Predicted nanoseconds of one walk over a heap of heap_bytes used, with or without a class
 * filter; -1 when unknown (no walk yet, or heap_bytes unknown). */
int64_t ml_walkrate_predict(const struct ml_walkrate *r, int64_t heap_bytes, bool filtered);

/* Predicted nanoseconds the JVM takes to undo a walk over heap_bytes once it was cut (the
 * prior until a cut walk was measured); 0 when heap_bytes is unknown. */
int64_t ml_walkrate_unwind(const struct ml_walkrate *r, int64_t heap_bytes);

/* The measured rate of unfiltered walks in MB (10^6 bytes) of used heap per second, 0 unknown. */
double ml_walkrate_mb_per_s(const struct ml_walkrate *r);

#endif
