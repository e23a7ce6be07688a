/* CMocka tests of src/core/gcinfo.c: every GarbageCollectorMXBean name of JDK 17 and JDK 25
 * (G1, Parallel, Serial, ZGC single-generation and generational, Shenandoah) and near misses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/gcinfo.h"
#include "testutil.h"

static const struct {
    const char *name;
    enum ml_gc_kind kind;
} NAMES[] = {
    /* G1 (JDK 17 and 25; "G1 Concurrent GC" since JDK 20) */
    {"G1 Young Generation", ML_GC_OTHER},
    {"G1 Old Generation", ML_GC_FULL_STW},
    {"G1 Concurrent GC", ML_GC_OTHER},
    /* Parallel */
    {"PS MarkSweep", ML_GC_FULL_STW},
    {"PS Scavenge", ML_GC_OTHER},
    /* Serial */
    {"Copy", ML_GC_OTHER},
    {"MarkSweepCompact", ML_GC_FULL_STW},
    /* ZGC, single generation (JDK 17) */
    {"ZGC Cycles", ML_GC_FULL_CONCURRENT},
    {"ZGC Pauses", ML_GC_OTHER},
    /* ZGC, generational (JDK 21+, the only mode in JDK 25) */
    {"ZGC Major Cycles", ML_GC_FULL_CONCURRENT},
    {"ZGC Minor Cycles", ML_GC_OTHER},
    {"ZGC Major Pauses", ML_GC_OTHER},
    {"ZGC Minor Pauses", ML_GC_OTHER},
    /* Shenandoah */
    {"Shenandoah Cycles", ML_GC_FULL_CONCURRENT},
    {"Shenandoah Pauses", ML_GC_OTHER},
    /* near misses and unknown collectors */
    {"g1 old generation", ML_GC_OTHER},
    {"G1 Old Generation ", ML_GC_OTHER},
    {" G1 Old Generation", ML_GC_OTHER},
    {"G1 Old Gen", ML_GC_OTHER},
    {"ZGC", ML_GC_OTHER},
    {"ZGC Cycles\n", ML_GC_OTHER},
    {"Epsilon", ML_GC_OTHER},
    {"", ML_GC_OTHER},
};

static void test_classify_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
        enum ml_gc_kind kind = ml_gc_classify(NAMES[i].name);

        if (kind != NAMES[i].kind)
            TU_ROW_FAIL(failures, "'%s': kind %d, want %d", NAMES[i].name, (int)kind,
                        (int)NAMES[i].kind);
    }
    assert_int_equal(failures, 0);
}

static void test_classify_null(void **state)
{
    (void)state;
    assert_int_equal(ml_gc_classify(NULL), ML_GC_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_table),
        cmocka_unit_test(test_classify_null),
    };

    return cmocka_run_group_tests_name("gcinfo", tests, NULL, NULL);
}
