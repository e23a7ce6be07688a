/* Which garbage collections count as proof that a closed loader is still reachable.
 * Pure module: classifies the names of the JVM's GarbageCollectorMXBeans. */
#ifndef METALEAK_GCINFO_H
#define METALEAK_GCINFO_H

enum ml_gc_kind {
    ML_GC_OTHER = 0,        /* young, mixed, minor, pauses of concurrent collectors: no proof */
    ML_GC_FULL_STW,         /* stop-the-world full collection: G1 Old Generation, PS MarkSweep,
                             * MarkSweepCompact */
    ML_GC_FULL_CONCURRENT,  /* concurrent whole-heap cycle that unloads classes: ZGC (Major)
                             * Cycles, Shenandoah Cycles */
};

/* Classifies a GarbageCollectorMXBean name. Unknown names are ML_GC_OTHER. */
enum ml_gc_kind ml_gc_classify(const char *mxbean_name);

#endif
