/* CMocka tests of src/core/verdict.c: the state machine live -> closed -> leaked, unloaded from
 * every state, the counting of full collections from the close, candidates and how they
 * settle, what a search's answer does (held, in use, not held), withdrawals, and the names. */
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
    assert_false(v->gc_proven);
    assert_false(v->candidate);
    assert_false(v->final);
    assert_int_equal(v->hold, ML_HOLD_UNKNOWN);
    assert_int_equal(v->hold_gcs, 0);
    assert_int_equal(v->in_use_since_ms, -1);
    assert_false(v->softly);
    assert_int_equal(v->withdrawn, ML_WITHDRAWN_NONE);
    assert_int_equal(v->withdrawn_ms, -1);
    assert_int_equal(v->withdrawn_leaked_ms, -1);
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
 * base + needed (and no earlier one) makes it a candidate; it stays closed until it settles. */
static void test_candidate_exactly_after_needed(void **state)
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

                if (turned != want || v.candidate != (gcs >= base + needed) ||
                    v.state != ML_STATE_CLOSED || v.leaked) {
                    TU_ROW_FAIL(failures, "base %llu needed %llu gcs %llu: returned %d, "
                                "candidate %d, state %s", (unsigned long long)base,
                                (unsigned long long)needed, (unsigned long long)gcs, turned,
                                v.candidate, ml_state_name(v.state));
                    break;
                }
                if (v.gcs_since_close != gcs - base) {
                    TU_ROW_FAIL(failures, "base %llu needed %llu gcs %llu: gcs_since_close %llu",
                                (unsigned long long)base, (unsigned long long)needed,
                                (unsigned long long)gcs, (unsigned long long)v.gcs_since_close);
                    break;
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* A candidate is leaked once its close is settle_ms old, not before; at once when final. */
static void test_settle(void **state)
{
    struct ml_verdict *v = *state, w;

    assert_true(ml_verdict_close(v, 1000, 3));
    assert_false(ml_verdict_settle(v, 6000, 5000, false));   /* not a candidate yet */
    assert_true(ml_verdict_gc(v, 5, 2, true, 1300));
    assert_false(ml_verdict_settle(v, 1300, 5000, false));
    assert_false(ml_verdict_settle(v, 5999, 5000, false));
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_true(ml_verdict_settle(v, 6000, 5000, false));
    assert_int_equal(v->state, ML_STATE_LEAKED);
    assert_true(v->leaked);
    assert_false(v->candidate);
    assert_false(v->final);
    assert_int_equal(v->proof, ML_PROOF_FULL_GC);
    assert_int_equal(v->leaked_ms, 6000);
    assert_false(ml_verdict_settle(v, 7000, 5000, false));   /* once */
    assert_int_equal(v->leaked_ms, 6000);
    /* the shutdown checkpoint: every leak still alive is final */
    assert_false(ml_verdict_settle(v, 8000, 5000, true));
    assert_true(v->final);

    /* final: a candidate settles at once, and is final */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 1000, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 1100));
    assert_true(ml_verdict_settle(&w, 1100, 5000, true));
    assert_true(w.leaked);
    assert_true(w.final);
    /* a settle time of 0 (a Metaspace OOM's report): at once, not final */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 1000, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 1100));
    assert_true(ml_verdict_settle(&w, 1100, 0, false));
    assert_false(w.final);
}

/* A jump in the count (several collections between two polls) counts all of them. */
static void test_count_jump(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 3));
    assert_true(ml_verdict_gc(v, 8, 2, true, 20));
    assert_int_equal(v->gcs_since_close, 5);
    /* later calls keep counting but do not make it a candidate again */
    assert_false(ml_verdict_gc(v, 9, 2, true, 30));
    assert_int_equal(v->gcs_since_close, 6);
    assert_true(ml_verdict_settle(v, 40, 0, false));
    assert_false(ml_verdict_gc(v, 10, 2, true, 50));
    assert_int_equal(v->gcs_since_close, 7);
    assert_int_equal(v->state, ML_STATE_LEAKED);
}

static void test_dead_loader_never_leaks(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 0));
    for (uint64_t gcs = 0; gcs < 20; gcs++) {
        assert_false(ml_verdict_gc(v, gcs, 1, false, (int64_t)gcs));
        assert_int_equal(v->state, ML_STATE_CLOSED);
        assert_false(v->candidate);
        assert_false(v->leaked);
        assert_int_equal(v->leaked_ms, -1);
        assert_int_equal(v->proof, ML_PROOF_NONE);
    }
    assert_int_equal(v->gcs_since_close, 19);
    /* seen alive at the next poll: the collections already counted are enough */
    assert_true(ml_verdict_gc(v, 19, 1, true, 99));
    assert_true(v->candidate);
}

/* A count below the base (a collector bean that restarted, or a count read before the close)
 * is not a collection since the close. */
static void test_count_below_base(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 10, 10));
    assert_false(ml_verdict_gc(v, 5, 1, true, 11));
    assert_int_equal(v->gcs_since_close, 0);
    assert_false(ml_verdict_gc(v, 0, 1, true, 12));
    assert_false(ml_verdict_gc(v, 10, 1, true, 13));
    assert_int_equal(v->gcs_since_close, 0);
    assert_true(ml_verdict_gc(v, 11, 1, true, 14));
    assert_int_equal(v->gcs_since_close, 1);
    /* a lower count afterwards keeps what was counted */
    assert_false(ml_verdict_gc(v, 2, 1, true, 15));
    assert_int_equal(v->gcs_since_close, 1);
    assert_true(v->candidate);
}

/* A durable chain: a candidate is leaked at once (proof full-gc), a closed loader without the
 * collections too (proof path); a confirmed leak stays a leak when unloaded later. */
static void test_held_durable(void **state)
{
    struct ml_verdict *v = *state, w;

    assert_true(ml_verdict_close(v, 100, 0));
    assert_true(ml_verdict_gc(v, 2, 2, true, 200));
    assert_int_equal(ml_verdict_held(v, ML_HOLD_DURABLE, false, 210, 2, 300000), 1);
    assert_int_equal(v->state, ML_STATE_LEAKED);
    assert_int_equal(v->proof, ML_PROOF_FULL_GC);
    assert_int_equal(v->leaked_ms, 210);
    assert_false(v->candidate);
    ml_verdict_unload(v, 9000);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_true(v->leaked);
    assert_int_equal(v->withdrawn, ML_WITHDRAWN_NONE);

    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_DURABLE, false, 400000, 0, 300000), 1);
    assert_int_equal(w.proof, ML_PROOF_PATH);
    /* a leak found without a search, then confirmed */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 200));
    assert_true(ml_verdict_settle(&w, 6000, 5000, false));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_DURABLE, false, 7000, 2, 300000), 0);
    assert_int_equal(w.hold, ML_HOLD_DURABLE);
    assert_int_equal(w.leaked_ms, 6000);
}

/* In use: a candidate goes back to waiting for a search (collections no longer make it one),
 * a leak that is not final is withdrawn; the same thread holding it for the limit is a leak. */
static void test_held_stack(void **state)
{
    struct ml_verdict *v = *state, w;

    assert_true(ml_verdict_close(v, 100, 0));
    assert_true(ml_verdict_gc(v, 2, 2, true, 200));
    assert_int_equal(ml_verdict_held(v, ML_HOLD_STACK, false, 250, 2, 300000), 0);
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_false(v->candidate);
    assert_int_equal(v->in_use_since_ms, 250);
    assert_false(ml_verdict_gc(v, 9, 2, true, 300));
    assert_false(ml_verdict_settle(v, 999999, 5000, false));
    assert_false(v->leaked);
    /* another thread holds it now: the clock starts again */
    assert_int_equal(ml_verdict_held(v, ML_HOLD_STACK, false, 1000, 9, 300000), 0);
    assert_int_equal(v->in_use_since_ms, 1000);
    /* the same thread, not yet long enough; then long enough */
    assert_int_equal(ml_verdict_held(v, ML_HOLD_STACK, true, 200000, 9, 300000), 0);
    assert_int_equal(v->in_use_since_ms, 1000);
    assert_int_equal(ml_verdict_held(v, ML_HOLD_STACK, true, 301000, 9, 300000), 1);
    assert_true(v->leaked);
    assert_int_equal(v->hold, ML_HOLD_DURABLE);
    assert_int_equal(v->proof, ML_PROOF_FULL_GC);

    /* with the limit 0 a thread may hold it for ever */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_STACK, false, 200, 0, 0), 0);
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_STACK, true, 99999999, 0, 0), 0);
    assert_false(w.leaked);

    /* a leak found without a search, then found in use: withdrawn */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 200));
    assert_true(ml_verdict_settle(&w, 5100, 5000, false));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_STACK, false, 5200, 2, 300000), -1);
    assert_int_equal(w.state, ML_STATE_CLOSED);
    assert_false(w.leaked);
    assert_int_equal(w.leaked_ms, -1);
    assert_int_equal(w.proof, ML_PROOF_NONE);
    assert_int_equal(w.withdrawn, ML_WITHDRAWN_IN_USE);
    assert_int_equal(w.withdrawn_ms, 5200);
    assert_int_equal(w.withdrawn_leaked_ms, 5100);
    /* proven again later: the withdrawal is forgotten */
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_DURABLE, false, 9000, 3, 300000), 1);
    assert_true(w.leaked);
    assert_int_equal(w.withdrawn, ML_WITHDRAWN_NONE);
    assert_int_equal(w.withdrawn_ms, -1);

    /* a final verdict is never withdrawn */
    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 200));
    assert_true(ml_verdict_settle(&w, 300, 5000, true));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_STACK, false, 400, 2, 300000), 0);
    assert_true(w.leaked);
    ml_verdict_unload(&w, 500);
    assert_true(w.leaked);
}

/* No strong reference: not a leak; softly reachable once it also survives `needed` more
 * collections; a leak is withdrawn. */
static void test_held_none(void **state)
{
    struct ml_verdict *v = *state, w;

    assert_true(ml_verdict_close(v, 100, 0));
    assert_true(ml_verdict_gc(v, 2, 2, true, 200));
    assert_int_equal(ml_verdict_held(v, ML_HOLD_NONE, false, 250, 2, 300000), 0);
    assert_int_equal(v->state, ML_STATE_CLOSED);
    assert_false(v->candidate);
    assert_false(v->softly);
    assert_false(ml_verdict_gc(v, 3, 2, true, 300));
    assert_false(v->softly);
    /* a later search that still finds nothing keeps counting from the first */
    assert_int_equal(ml_verdict_held(v, ML_HOLD_NONE, false, 320, 3, 300000), 0);
    assert_false(ml_verdict_gc(v, 4, 2, true, 350));
    assert_true(v->softly);
    assert_false(v->leaked);
    /* a chain found later proves it after all */
    assert_int_equal(ml_verdict_held(v, ML_HOLD_DURABLE, false, 400, 4, 300000), 1);
    assert_false(v->softly);
    assert_int_equal(v->proof, ML_PROOF_FULL_GC);

    ml_verdict_init(&w);
    assert_true(ml_verdict_close(&w, 100, 0));
    assert_true(ml_verdict_gc(&w, 2, 2, true, 200));
    assert_true(ml_verdict_settle(&w, 5100, 5000, false));
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_NONE, false, 5200, 2, 300000), -1);
    assert_int_equal(w.withdrawn, ML_WITHDRAWN_NO_HOLDER);
    assert_int_equal(w.state, ML_STATE_CLOSED);
    /* unknown changes nothing */
    assert_int_equal(ml_verdict_held(&w, ML_HOLD_UNKNOWN, false, 5300, 2, 300000), 0);
    assert_int_equal(w.hold, ML_HOLD_NONE);
}

/* Unloaded before any search found a durable chain: the leak is withdrawn. */
static void test_unload_withdraws(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 100, 0));
    assert_true(ml_verdict_gc(v, 2, 2, true, 200));
    assert_true(ml_verdict_settle(v, 5100, 5000, false));
    ml_verdict_unload(v, 5250);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_false(v->leaked);
    assert_int_equal(v->withdrawn, ML_WITHDRAWN_UNLOADED);
    assert_int_equal(v->withdrawn_ms, 5250);
    assert_int_equal(v->withdrawn_leaked_ms, 5100);
    assert_int_equal(v->unloaded_ms, 5250);
    ml_verdict_unload(v, 6000);
    assert_int_equal(v->unloaded_ms, 5250);
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
    assert_int_equal(v->withdrawn, ML_WITHDRAWN_NONE);
    /* nothing moves it afterwards */
    assert_false(ml_verdict_close(v, 400, 1));
    assert_false(ml_verdict_gc(v, 10, 1, true, 500));
    assert_int_equal(ml_verdict_held(v, ML_HOLD_DURABLE, false, 600, 10, 0), 0);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_int_equal(v->closed_ms, -1);
    assert_int_equal(v->gcs_since_close, 0);
}

static void test_unload_from_closed(void **state)
{
    struct ml_verdict *v = *state;

    assert_true(ml_verdict_close(v, 100, 4));
    assert_false(ml_verdict_gc(v, 5, 2, true, 150));
    assert_true(ml_verdict_gc(v, 6, 2, true, 160));
    ml_verdict_unload(v, 200);
    assert_int_equal(v->state, ML_STATE_UNLOADED);
    assert_false(v->leaked);
    assert_false(v->candidate);
    assert_int_equal(v->closed_ms, 100);
    assert_int_equal(v->gcs_since_close, 2);
    assert_int_equal(v->unloaded_ms, 200);
    assert_int_equal(v->leaked_ms, -1);
    assert_int_equal(v->withdrawn, ML_WITHDRAWN_NONE);  /* never reported: nothing withdrawn */
    assert_false(ml_verdict_gc(v, 50, 2, true, 250));  /* unloaded: never leaked later */
    assert_false(ml_verdict_settle(v, 99999, 0, true));
    assert_false(v->leaked);
    assert_int_equal(v->gcs_since_close, 2);
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
    assert_null(ml_withdrawal_name(ML_WITHDRAWN_NONE));
    assert_string_equal(ml_withdrawal_name(ML_WITHDRAWN_UNLOADED), "unloaded");
    assert_string_equal(ml_withdrawal_name(ML_WITHDRAWN_IN_USE), "in-use");
    assert_string_equal(ml_withdrawal_name(ML_WITHDRAWN_NO_HOLDER), "no-holder");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_ignores_gcs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidate_exactly_after_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_jump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_loader_never_leaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_below_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_stack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_withdraws, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_from_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_from_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };

    return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
