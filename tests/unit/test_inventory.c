/* CMocka tests of src/core/inventory.c: name kinds, jar-set keys (Flink blobs by content hash),
 * shadowing candidates along parent links only (never between siblings), and suspects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/inventory.h"
#include "testutil.h"

static void test_kinds(void **state)
{
    (void)state;
    assert_true(ml_inv_is_lambda("plug.Growth$$Lambda$14/0x0000000800c03000"));
    assert_false(ml_inv_is_lambda("plug.Growth$Lambda"));
    assert_true(ml_inv_is_proxy("jdk.proxy1.$Proxy12"));
    assert_true(ml_inv_is_proxy("$Proxy0"));
    assert_false(ml_inv_is_proxy("plug.$ProxyFactory"));
    assert_false(ml_inv_is_proxy("plug.$Proxy"));
    assert_false(ml_inv_is_proxy(NULL));
    assert_true(ml_inv_is_reflection_loader("jdk.internal.reflect.DelegatingClassLoader"));
    assert_true(ml_inv_is_reflection_loader("sun.reflect.DelegatingClassLoader"));
    assert_false(ml_inv_is_reflection_loader("java.net.URLClassLoader"));
    assert_int_not_equal(ml_inv_hash("a.B"), ml_inv_hash("a.C"));
    assert_int_equal(ml_inv_hash("a.B"), ml_inv_hash("a.B"));
}

static void test_jarset_key(void **state)
{
    const char *a[] = {
        "file:/tmp/tm/blobStorage/job_11111111111111111111111111111111/"
        "blob_p-5d91888083d3e1f0a2b4c6d8e0f2a4b6c8d0e2f4-7237ecbb12b04c1d9e8f7a6b5c4d3e2f",
        "file:/opt/lib/x.jar"};
    const char *b[] = {
        "file:/opt/lib/x.jar",
        "file:/tmp/tm/blobStorage/job_22222222222222222222222222222222/"
        "blob_p-5d91888083d3e1f0a2b4c6d8e0f2a4b6c8d0e2f4-0000000000000000aaaaaaaaaaaaaaaa"};
    const char *c[] = {"file:/opt/lib/y.jar", "file:/opt/lib/x.jar"};
    char ka[512], kb[512], kc[512], tiny[8];

    (void)state;
    assert_true(ml_inv_jarset_key(a, 2, ka, sizeof(ka)));
    assert_true(ml_inv_jarset_key(b, 2, kb, sizeof(kb)));
    assert_true(ml_inv_jarset_key(c, 2, kc, sizeof(kc)));
    /* Two submissions of one jar (other job, other random suffix), URLs in another order. */
    assert_string_equal(ka, kb);
    assert_string_not_equal(ka, kc);
    assert_false(ml_inv_jarset_key(a, 2, tiny, sizeof(tiny)));
    assert_false(ml_inv_jarset_key(a, 0, ka, sizeof(ka)));
}

/* A registry: app (1) <- job loaders 2 and 3 (siblings), 4 a child of 2. */
static struct ml_registry *tree(void)
{
    struct ml_registry *reg = ml_registry_new(32, 8);
    struct ml_loader *l[5];

    assert_non_null(reg);
    l[0] = ml_registry_boot(reg);
    for (int i = 1; i <= 4; i++) {
        l[i] = ml_registry_add(reg, 1000 * i);
        assert_non_null(l[i]);
        assert_int_equal(l[i]->id, (uint64_t)i);
        l[i]->inspected = true;
        l[i]->url_loader = true;
    }
    l[1]->parent_id = 0;
    l[2]->parent_id = 1;
    l[3]->parent_id = 1;
    l[4]->parent_id = 2;
    return reg;
}

static void test_ancestors(void **state)
{
    struct ml_registry *reg = tree();

    (void)state;
    assert_true(ml_inv_is_ancestor(reg, 2, 1));
    assert_true(ml_inv_is_ancestor(reg, 4, 1));
    assert_true(ml_inv_is_ancestor(reg, 4, 0));
    assert_false(ml_inv_is_ancestor(reg, 2, 3));
    assert_false(ml_inv_is_ancestor(reg, 1, 2));
    assert_false(ml_inv_is_ancestor(reg, 2, 2));
    assert_false(ml_inv_is_ancestor(reg, 99, 1));
    ml_registry_free(reg);
}

static void test_shadow_candidates(void **state)
{
    struct ml_registry *reg = tree();
    uint64_t h1 = ml_inv_hash("com.lib.Foo"), h2 = ml_inv_hash("com.job.Main");
    struct ml_inv_class classes[] = {
        {h1, 1, 0},   /* the app loader's Foo */
        {h1, 2, 1},   /* job 2 bundles Foo too: shadows */
        {h1, 3, 2},   /* job 3 as well: shadows (but not job 2's copy: siblings) */
        {h2, 2, 3},   /* each job's own class: siblings, never shadowing */
        {h2, 3, 4},
        {h2, ML_ID_NONE, 5},
    };
    struct ml_inv_shadow out[8];
    size_t n;

    (void)state;
    n = ml_inv_shadow_candidates(reg, classes, 6, out, 8);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].ancestor_id, 1);
        assert_int_equal(out[i].ancestor, 0);
        assert_true(out[i].child_id == 2 || out[i].child_id == 3);
    }
    /* More candidates than room: counted, only max written. */
    assert_int_equal(ml_inv_shadow_candidates(reg, classes, 6, out, 1), 2);
    ml_registry_free(reg);
}

static void test_suspects(void **state)
{
    struct ml_registry *reg = tree();
    struct ml_loader *two = ml_registry_find_id(reg, 2), *three = ml_registry_find_id(reg, 3);
    struct ml_loader *four = ml_registry_find_id(reg, 4);

    (void)state;
    assert_int_equal(ml_loader_add_url(reg, two, "file:/jobs/a.jar"), 0);
    assert_int_equal(ml_loader_add_url(reg, three, "file:/jobs/a.jar"), 0);
    assert_int_equal(ml_loader_add_url(reg, four, "file:/jobs/b.jar"), 0);
    atomic_store(&two->last_define_ms, 2000);
    atomic_store(&three->last_define_ms, 3000);
    /* Idle long enough: 2 is superseded by 3; 3 is the newest; 4 has no twin. */
    assert_int_equal(ml_inv_mark_suspects(reg, 100000, 10000), 1);
    assert_true(two->suspect);
    assert_int_equal(two->superseded_by, 3);
    assert_false(three->suspect);
    assert_false(four->suspect);
    /* Not idle long enough, or turned off: nothing. */
    assert_int_equal(ml_inv_mark_suspects(reg, 5000, 10000), 0);
    assert_false(two->suspect);
    assert_int_equal(ml_inv_mark_suspects(reg, 100000, 0), 0);
    /* A closed loader is never suspect (it has its own verdict). */
    ml_verdict_close(&two->verdict, 4000, 0);
    assert_int_equal(ml_inv_mark_suspects(reg, 100000, 10000), 0);
    ml_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_jarset_key),
        cmocka_unit_test(test_ancestors),
        cmocka_unit_test(test_shadow_candidates),
        cmocka_unit_test(test_suspects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
