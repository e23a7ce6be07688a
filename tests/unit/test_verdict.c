/* CMocka tests of src/core/verdict.c: the state machine live -> closed -> leaked, unloaded from every
 * state, the counting of full collections from the close, and the names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/verdict.h"
#include "testutil.h"

static int setup(void **state)
{
    struct ml_verdict *v = malloc(sizeof(*v));

    if (v == NULL)
        return -1;
    memset(v, 0x5a, sizeof(*v));   /* init must set every field */
    ml_verdict_init(v);
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void assert_fresh(const struct ml_verdict *v)
{
    assert_int_equal(v->state, ML_STATE_LIVE);
    assert_false(v->leaked);
    assert_int_equal(v->proof, ML_PROOF_NONE);
    assert_int_equal(v->closed_ms, -1);
    assert_int_equal(v->leaked_ms, -1);
    assert_int_equal(v->unloaded_ms, -1);
    assert_int_equal(v->gc_base, 0);
    assert_int_equal(v->gcs_since_close, 0);
}

static void test_init(void **state)
{
    assert_fresh(*state);
}

/* A live loader ignores collections: nothing is counted before the close. */
static void test_live_ignores_gcs(void **state)
{
    struct ml_verdict *v = *state;

    for (uint64_t gcs = 0; gcs < 5; gcs++)
        assert_false(ml_verdict_gc(v, gcs, 1, true, 100));
    assert_fresh(v);
}

static void test_close(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 1020, 7));
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_int_equal(v->closed_ms, 1020);
    assert_int_equal(v->gc_base, 7);
    assert_int_equal(v->gcs_since_close, 0);
    assert_false(v->leaked);
    assert_int_equal(v->leaked_ms, -1);
    /* closing twice changes nothing, not even the time or the base */
    assert_false(ml_verdict_close(v, 2000, 9));
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_int_equal(v->closed_ms, 1020);
    assert_int_equal(v->gc_base, 7);
}

/* Closed at `base` full collections, with `needed`: the call that brings the count to
 * base + needed (and no earlier one) proves the leak. */
static void test_leaks_exactly_after_needed(void **state)
{
    static const uint64_t bases[] = {0, 1, 10, 1000000};
    static const uint64_t neededs[] = {1, 2, 3, 1000};
    int failures = 0;

    (void)state;
    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        for (size_t n = 0; n < sizeof(neededs) / sizeof(neededs[0]); n++) {
            struct ml_verdict v;
            uint64_t base = bases[b], needed = neededs[n];

            ml_verdict_init(&v);
            assert_true(ml_verdict_close(&v, 500, base));
            for (uint64_t gcs = base; gcs < base + needed + 3; gcs++) {
                bool turned = ml_verdict_gc(&v, gcs, needed, true, (int64_t)(600 + gcs));
                bool want = gcs == base + needed;

                if (turned != want) {
                    TU_ROW_FAIL(failures, "base %llu needed %llu gcs %llu: returned %d",
                                (unsigned long long)base, (unsigned long long)needed,
                                (unsigned long long)gcs, turned);
                    break;
                }
                if (v.gcs_since_close != gcs - base) {
                    TU_ROW_FAIL(failures, "base %llu needed %llu gcs %llu: gcs_since_close %llu",
                                (unsigned long long)base, (unsigned long long)needed,
                                (unsigned long long)gcs, (unsigned long long)v.gcs_since_close);
                    break;
                }
                if ((v.state == ML_STATE_LEAKED) != (gcs >= base + needed)) {
                    TU_ROW_FAIL(failures, "base %llu needed %llu gcs %llu: state %s",
                                (unsigned long long)base, (unsigned long long)needed,
                                (unsigned long long)gcs, ml_state_name(v.state));
                    break;
                }
            }
            if (v.leaked_ms != (int64_t)(600 + base + needed) || !v.leaked ||
                v.proof != ML_PROOF_FULL_GC || v.closed_ms != 500)
                TU_ROW_FAIL(failures, "base %llu needed %llu: leaked_ms %lld leaked %d proof %d",
                            (unsigned long long)base, (unsigned long long)needed,
                            (long long)v.leaked_ms, v.leaked, (int)v.proof);
        }
    }
    assert_int_equal(failures, 0);
}

/* A jump in the count (several collections between two polls) counts all of them. */
static void test_count_jump(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 3));
    assert_true(ml_verdict_gc(v, 8, 2, true, 20));
    assert_int_equal(v->gcs_since_close, 5);
    assert_int_equal(v->leaked_ms, 20);
    /* later calls keep counting but do not prove again */
    assert_false(ml_verdict_gc(v, 9, 2, true, 30));
    assert_int_equal(v->gcs_since_close, 6);
    assert_int_equal(v->leaked_ms, 20);
    assert_int_equal(v->state, ML_STATE_LEAKED);
}

static void test_dead_loader_never_leaks(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 0));
    for (uint64_t gcs = 0; gcs < 20; gcs++) {
        assert_false(ml_verdict_gc(v, gcs, 1, false, (int64_t)gcs));
        assert_int_equal(v->state, ML_STATE_CLOSED);
        assert_false(v->leaked);
        assert_int_equal(v->leaked_ms, -1);
        assert_int_equal(v->proof, ML_PROOF_NONE);
    }
    assert_int_equal(v->gcs_since_close, 19);
    /* seen alive at the next poll: the collections already counted are enough */
    assert_true(ml_verdict_gc(v, 19, 1, true, 99));
    assert_int_equal(v->leaked_ms, 99);
}

/* A count below the base (a collector bean that restarted, or a count read before the close)
 * is not a collection since the close. */
static void test_count_below_base(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 10));
    assert_false(ml_verdict_gc(v, 5, 1, true, 11));
    assert_int_equal(v->gcs_since_close, 0);
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_false(ml_verdict_gc(v, 0, 1, true, 12));
    assert_false(ml_verdict_gc(v, 10, 1, true, 13));
    assert_int_equal(v->gcs_since_close, 0);
    assert_true(ml_verdict_gc(v, 11, 1, true, 14));
    assert_int_equal(v->gcs_since_close, 1);
    /* a lower count after the proof keeps what was counted */
    assert_false(ml_verdict_gc(v, 2, 1, true, 15));
    assert_int_equal(v->gcs_since_close, 1);
    assert_int_equal(v->state, ML_STATE_LEAKED);
}

static void test_unload_from_live(void **state)
{
    struct ml_verdict *v = *state;

    ml_verdict_unload(v, 300);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_int_equal(v->unloaded_ms, 300);
    assert_false(v->leaked);
    assert_int_equal(v->closed_ms, -1);
    assert_int_equal(v->leaked_ms, -1);
    assert_int_equal(v->proof, ML_PROOF_NONE);
    /* nothing moves it afterwards */
    assert_false(ml_verdict_close(v, 400, 1));
    assert_false(ml_verdict_gc(v, 10, 1, true, 500));
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_int_equal(v->closed_ms, -1);
    assert_int_equal(v->gcs_since_close, 0);
}

static void test_unload_from_closed(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 100, 4));
    assert_false(ml_verdict_gc(v, 5, 2, true, 150));
    ml_verdict_unload(v, 200);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_false(v->leaked);
    assert_int_equal(v->closed_ms, 100);
    assert_int_equal(v->gcs_since_close, 1);
    assert_int_equal(v->unloaded_ms, 200);
    assert_int_equal(v->leaked_ms, -1);
    assert_false(ml_verdict_gc(v, 50, 2, true, 250));  /* unloaded: never leaked later */
    assert_false(v->leaked);
    assert_int_equal(v->gcs_since_close, 1);
}

static void test_leaked_then_unloaded(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 1020, 2));
    assert_true(ml_verdict_gc(v, 3, 1, true, 1533));
    ml_verdict_unload(v, 2000);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_true(v->leaked);
    assert_int_equal(v->proof, ML_PROOF_FULL_GC);
    assert_int_equal(v->closed_ms, 1020);
    assert_int_equal(v->leaked_ms, 1533);
    assert_int_equal(v->unloaded_ms, 2000);
    assert_int_equal(v->gcs_since_close, 1);
    /* idempotent: a second unload keeps the first time */
    ml_verdict_unload(v, 3000);
    assert_int_equal(v->unloaded_ms, 2000);
    assert_true(v->leaked);
    assert_int_equal(v->leaked_ms, 1533);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ml_state_name(ML_STATE_LIVE), "live");
    assert_string_equal(ml_state_name(ML_STATE_CLOSED), "closed");
    assert_string_equal(ml_state_name(ML_STATE_LEAKED), "leaked");
    assert_string_equal(ml_state_name(ML_STATE_UNLOADED), "unloaded");
    assert_non_null(ml_state_name((enum ml_state)42));
    assert_null(ml_proof_name(ML_PROOF_NONE));
    assert_string_equal(ml_proof_name(ML_PROOF_FULL_GC), "full-gc");
    assert_string_equal(ml_proof_name(ML_PROOF_PATH), "path");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_ignores_gcs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaks_exactly_after_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_jump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_loader_never_leaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_below_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_from_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_from_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaked_then_unloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };

    return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
