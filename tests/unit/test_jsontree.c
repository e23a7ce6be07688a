/* CMocka tests of src/core/jsontree.c, the arena tree the report is rendered into: its text is
 * exactly what cJSON prints for the same tree, a render leaves cJSON's process-wide allocator
 * alone (it used to swap it during a render and reset it after), and renders on several
 * threads while another thread uses cJSON give the same text. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "jsontree.h"
#include "metaleak/reportrender.h"
#include "report_fixture.h"

/* Every node kind, nesting, escapes, empty containers: built with cJSON's API and with the
 * arena tree, printed by both, the same text. */
static void test_same_text_as_cjson(void **state)
{
    struct ml_jtree *jt = ml_jtree_new();
    cJSON *root = ml_jtree_root(jt), *want = cJSON_CreateObject();
    cJSON *a, *o, *wa, *wo;
    char *got, *exp;

    (void)state;
    assert_non_null(root);
    assert_true(ml_jtree_add_string(jt, root, "s", "tab\t \"quoted\" \\ \x01 \xc3\xa9"));
    cJSON_AddStringToObject(want, "s", "tab\t \"quoted\" \\ \x01 \xc3\xa9");
    assert_true(ml_jtree_add_null(jt, root, "n"));
    cJSON_AddNullToObject(want, "n");
    assert_true(ml_jtree_add_bool(jt, root, "t", true));
    cJSON_AddBoolToObject(want, "t", 1);
    assert_true(ml_jtree_add_bool(jt, root, "f", false));
    cJSON_AddBoolToObject(want, "f", 0);
    assert_true(ml_jtree_add_uint(jt, root, "big", UINT64_MAX));
    cJSON_AddRawToObject(want, "big", "18446744073709551615");
    assert_true(ml_jtree_add_int(jt, root, "neg", INT64_MIN));
    cJSON_AddRawToObject(want, "neg", "-9223372036854775808");
    assert_true(ml_jtree_add_opt_int(jt, root, "unknown", -1));
    cJSON_AddNullToObject(want, "unknown");
    assert_true(ml_jtree_add_opt_string(jt, root, "absent", NULL));
    cJSON_AddNullToObject(want, "absent");
    a = ml_jtree_add_array(jt, root, "numbers");
    wa = cJSON_AddArrayToObject(want, "numbers");
    for (int i = 0; i < 3; i++) {
        double v = i == 2 ? 3e12 : i * 7.0;

        assert_true(ml_jtree_add_number(jt, a, NULL, v));
        cJSON_AddItemToArray(wa, cJSON_CreateNumber(v));
    }
    assert_non_null(ml_jtree_add_array(jt, root, "empty_array"));
    cJSON_AddArrayToObject(want, "empty_array");
    assert_non_null(ml_jtree_add_object(jt, root, "empty_object"));
    cJSON_AddObjectToObject(want, "empty_object");
    a = ml_jtree_add_array(jt, root, "objects");
    wa = cJSON_AddArrayToObject(want, "objects");
    for (int i = 0; i < 2; i++) {
        o = ml_jtree_add_object(jt, a, NULL);
        wo = cJSON_CreateObject();
        cJSON_AddItemToArray(wa, wo);
        assert_true(ml_jtree_add_uint(jt, o, "i", (uint64_t)i));
        cJSON_AddRawToObject(wo, "i", i == 0 ? "0" : "1");
        assert_true(ml_jtree_add_string(jt, ml_jtree_add_array(jt, o, "list"), NULL, "x"));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(wo, "list"), cJSON_CreateString("x"));
    }
    got = ml_jtree_print(root);
    exp = cJSON_Print(want);
    assert_non_null(got);
    assert_string_equal(got, exp);
    free(got);
    cJSON_free(exp);
    cJSON_Delete(want);
    ml_jtree_free(jt);
}

static char *render_fixture(void)
{
    struct rf_fixture rf;
    char *text = NULL;

    if (rf_build(&rf, RF_FULL) == 0)
        text = ml_report_render(rf.reg, &rf.meta);
    rf_release(&rf);
    return text;
}

/* The rendered report is cJSON's own formatted print of itself. */
static void test_report_is_cjson_print(void **state)
{
    char *text = render_fixture();
    cJSON *parsed;
    char *again;

    (void)state;
    assert_non_null(text);
    parsed = cJSON_Parse(text);
    assert_non_null(parsed);
    again = cJSON_Print(parsed);
    assert_string_equal(text, again);
    cJSON_free(again);
    cJSON_Delete(parsed);
    free(text);
}

/* Allocations through the hooks this test installs. */
static atomic_long hooked;

static void *counting_malloc(size_t n)
{
    atomic_fetch_add(&hooked, 1);
    return malloc(n);
}

static void counting_free(void *p)
{
    free(p);
}

static void test_allocator_left_alone(void **state)
{
    cJSON_Hooks hooks = {counting_malloc, counting_free};
    long before;
    char *text;
    cJSON *o;

    (void)state;
    cJSON_InitHooks(&hooks);
    before = atomic_load(&hooked);
    text = render_fixture();
    assert_non_null(text);
    /* The render allocated nothing through cJSON... */
    assert_int_equal(atomic_load(&hooked), before);
    /* ...and left the process's hooks installed. */
    o = cJSON_CreateObject();
    assert_non_null(o);
    assert_true(atomic_load(&hooked) > before);
    cJSON_Delete(o);
    cJSON_InitHooks(NULL);
    free(text);
}

struct job {
    const char *want;
    int failures;
};

static void *render_many(void *arg)
{
    struct job *j = arg;

    for (int i = 0; i < 20; i++) {
        char *text = render_fixture();

        if (text == NULL || strcmp(text, j->want) != 0)
            j->failures++;
        free(text);
    }
    return NULL;
}

/* Two threads render while this one builds and frees cJSON trees with its own hooks. */
static void test_concurrent_renders(void **state)
{
    cJSON_Hooks hooks = {counting_malloc, counting_free};
    char *want = render_fixture();
    struct job jobs[2] = {{want, 0}, {want, 0}};
    pthread_t threads[2];

    (void)state;
    assert_non_null(want);
    cJSON_InitHooks(&hooks);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, render_many, &jobs[i]), 0);
    for (int i = 0; i < 2000; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "k", "v");
        cJSON_AddItemToObject(o, "a", cJSON_CreateArray());
        cJSON_Delete(o);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    cJSON_InitHooks(NULL);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_text_as_cjson),
        cmocka_unit_test(test_report_is_cjson_print),
        cmocka_unit_test(test_allocator_left_alone),
        cmocka_unit_test(test_concurrent_renders),
    };

    return cmocka_run_group_tests_name("jsontree", tests, NULL, NULL);
}
