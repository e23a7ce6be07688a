/* CMocka tests of src/core/walkrate.c: nothing is predicted before a walk; a complete walk
 * predicts in proportion to the heap; a walk cut at its limit predicts at least the time it
 * already took, more the less it covered; filtered walks are bounded by the unfiltered rate
 * until one was measured; early stops and failures teach nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metaleak/walkrate.h"

#define MB (1024LL * 1024LL)
#define MS 1000000LL

static struct ml_walk_sample sample(int64_t ms, int64_t heap, int64_t seen, enum ml_walk_end end,
                                    bool filtered)
{
    struct ml_walk_sample s = {ms * MS, -1, heap, seen, end, filtered};

    return s;
}

static void test_unknown_before_a_walk(void **state)
{
    struct ml_walkrate r;

    (void)state;
    ml_walkrate_init(&r);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, false), -1);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, true), -1);
    /* the undoing of a cut walk: the prior, 2 ns per byte */
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 200 * MB);
    assert_int_equal(ml_walkrate_unwind(&r, -1), 0);
    assert_true(ml_walkrate_mb_per_s(&r) == 0);
    assert_int_equal(r.longest_ns, -1);
}

static void test_unwind_prior_per_jdk(void **state)
{
    struct ml_walkrate r;

    (void)state;
    ml_walkrate_init(&r);
    ml_walkrate_set_jdk(&r, 17);      /* marks in object headers: the whole heap is restored */
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 200 * MB);
    ml_walkrate_set_jdk(&r, 0);       /* unknown: the longer prior */
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 200 * MB);
    ml_walkrate_set_jdk(&r, 21);      /* a marking bitmap (JDK 19+): only freed */
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 10 * MB);
    ml_walkrate_set_jdk(&r, 19);
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 10 * MB);
    /* a measured undoing replaces the prior */
    r.unwind_ns_per_byte = 0.5;
    assert_int_equal(ml_walkrate_unwind(&r, 100 * MB), 50 * MB);
}

static void test_complete_walk_scales_with_heap(void **state)
{
    struct ml_walkrate r;
    struct ml_walk_sample s = sample(100, 100 * MB, 90 * MB, ML_WALK_COMPLETE, false);

    (void)state;
    ml_walkrate_init(&r);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, false), 100 * MS);
    assert_int_equal(ml_walkrate_predict(&r, 300 * MB, false), 300 * MS);
    assert_int_equal(ml_walkrate_predict(&r, 0, false), -1);
    /* 100 MiB in 100 ms: 1048.6 MB/s (MB = 10^6 bytes) */
    assert_true(ml_walkrate_mb_per_s(&r) > 1048.0 && ml_walkrate_mb_per_s(&r) < 1049.0);
    assert_false(r.from_cut);
    assert_int_equal(r.longest_ns, 100 * MS);
}

static void test_cut_walk_is_a_lower_bound(void **state)
{
    struct ml_walkrate r;
    struct ml_walk_sample s = sample(200, 800 * MB, 100 * MB, ML_WALK_CUT, false);

    (void)state;
    ml_walkrate_init(&r);
    ml_walkrate_note(&r, &s);
    /* an eighth covered in 200 ms: a whole walk about 1.6 s */
    assert_int_equal(ml_walkrate_predict(&r, 800 * MB, false), 1600 * MS);
    assert_true(r.from_cut);
    assert_int_equal(r.cut, 1);
    /* more reported than the heap holds (objects with several referrers): never less than the
     * time already taken */
    s = sample(200, 800 * MB, 2000 * MB, ML_WALK_CUT, false);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 800 * MB, false), 200 * MS);
    /* nothing reported yet: taken as a sixteenth */
    s = sample(200, 800 * MB, 0, ML_WALK_CUT, false);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 800 * MB, false), 3200 * MS);
    /* a later complete walk replaces the estimate */
    s = sample(50, 100 * MB, 100 * MB, ML_WALK_COMPLETE, false);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 800 * MB, false), 400 * MS);
    assert_false(r.from_cut);
    assert_int_equal(r.walks, 4);
    assert_int_equal(r.cut, 3);
}

/* A cut walk that took 300 ms, 100 of them undoing its marks after the abort, having covered a
 * quarter of the heap: a whole walk 200 * 4 + 100 ms; the undoing is learnt. */
static void test_cut_walk_unwind(void **state)
{
    struct ml_walkrate r;
    struct ml_walk_sample s = sample(300, 400 * MB, 100 * MB, ML_WALK_CUT, false);

    (void)state;
    ml_walkrate_init(&r);
    s.unwind_ns = 100 * MS;
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 400 * MB, false), 900 * MS);
    assert_int_equal(ml_walkrate_unwind(&r, 400 * MB), 100 * MS);
    assert_int_equal(ml_walkrate_unwind(&r, 800 * MB), 200 * MS);
    /* a bitmap JVM: almost nothing to undo */
    s = sample(201, 400 * MB, 100 * MB, ML_WALK_CUT, false);
    s.unwind_ns = 1 * MS;
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_unwind(&r, 400 * MB), 1 * MS);
    assert_int_equal(ml_walkrate_predict(&r, 400 * MB, false), 801 * MS);
}

static void test_filtered_walks(void **state)
{
    struct ml_walkrate r;
    struct ml_walk_sample s = sample(100, 100 * MB, 100 * MB, ML_WALK_COMPLETE, false);

    (void)state;
    ml_walkrate_init(&r);
    /* a filtered walk without any measurement: unknown */
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, true), -1);
    ml_walkrate_note(&r, &s);
    /* bounded by the unfiltered rate */
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, true), 100 * MS);
    s = sample(40, 100 * MB, 0, ML_WALK_COMPLETE, true);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, true), 40 * MS);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, false), 100 * MS);
    assert_int_equal(r.filtered, 1);
    /* a filtered measurement never makes the prediction longer than the unfiltered one */
    s = sample(400, 100 * MB, 0, ML_WALK_COMPLETE, true);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, true), 100 * MS);
}

static void test_early_and_failed_teach_nothing(void **state)
{
    struct ml_walkrate r;
    struct ml_walk_sample s = sample(5, 100 * MB, 1 * MB, ML_WALK_EARLY, false);

    (void)state;
    ml_walkrate_init(&r);
    ml_walkrate_note(&r, &s);
    s = sample(1, 100 * MB, 0, ML_WALK_FAILED, false);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, false), -1);
    assert_int_equal(r.walks, 2);
    assert_int_equal(r.longest_ns, 5 * MS);
    /* an unknown heap size teaches nothing either */
    s = sample(100, -1, 0, ML_WALK_COMPLETE, false);
    ml_walkrate_note(&r, &s);
    assert_int_equal(ml_walkrate_predict(&r, 100 * MB, false), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_before_a_walk),
        cmocka_unit_test(test_complete_walk_scales_with_heap),
        cmocka_unit_test(test_cut_walk_is_a_lower_bound),
        cmocka_unit_test(test_cut_walk_unwind),
        cmocka_unit_test(test_unwind_prior_per_jdk),
        cmocka_unit_test(test_filtered_walks),
        cmocka_unit_test(test_early_and_failed_teach_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
