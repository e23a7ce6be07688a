/* Collector names (GarbageCollectorMXBean.getName()) as of JDK 17 and 25; see docs/gc.md. */
#include "metaleak/gcinfo.h"

#include <string.h>

enum ml_gc_kind ml_gc_classify(const char *name)
{
    static const char *const stw[] = {"G1 Old Generation", "PS MarkSweep", "MarkSweepCompact"};
    static const char *const conc[] = {"ZGC Cycles", "ZGC Major Cycles", "Shenandoah Cycles"};

    if (name == NULL)
        return ML_GC_OTHER;
    for (size_t i = 0; i < sizeof(stw) / sizeof(stw[0]); i++) {
        if (strcmp(name, stw[i]) == 0)
            return ML_GC_FULL_STW;
    }
    for (size_t i = 0; i < sizeof(conc) / sizeof(conc[0]); i++) {
        if (strcmp(name, conc[i]) == 0)
            return ML_GC_FULL_CONCURRENT;
    }
    return ML_GC_OTHER;
}
