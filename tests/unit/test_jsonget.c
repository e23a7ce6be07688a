/* CMocka tests of src/core/jsonget.c, the checked member getters the report reader is built
 * on: each type's absent, null, wrong-type and valid cases (data-driven), the 0..2^53 range of
 * integers, the one message naming the document and the field, and the outputs left at their
 * "absent" values on a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "jsonget.h"
#include "metaleak/error.h"
#include "testutil.h"

static const char DOC[] =
    "{\"n\":42,\"zero\":0,\"max\":9007199254740992,\"over\":9007199254740994,\"neg\":-1,"
    "\"frac\":1.5,\"nul\":null,\"s\":\"text\",\"t\":true,\"f\":false,\"o\":{\"k\":1},"
    "\"a\":[1,2],\"strs\":[\"x\",\"y\"],\"mixed\":[\"x\",3],\"empty\":[]}";

struct fixture {
    cJSON *root;
    char err[256];
    struct ml_jget c;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->root = cJSON_Parse(DOC);
    f->c = (struct ml_jget){"r.json", f->err, sizeof(f->err)};
    *state = f;
    return f->root == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    cJSON_Delete(f->root);
    free(f);
    return 0;
}

/* ml_jget_int on every kind of member, with each required/nullable combination. */
static void test_int(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *key;
        bool required, nullable;
        int rc;
        int64_t out;
        const char *msg;        /* the message, when rc is an error */
    } cases[] = {
        {"n", true, false, ML_OK, 42, NULL},
        {"zero", true, false, ML_OK, 0, NULL},
        {"max", true, false, ML_OK, 9007199254740992LL, NULL},
        {"over", false, true, ML_ERR_CONFIG, -1, "'r.json': F is not a whole number in 0..2^53"},
        {"neg", false, true, ML_ERR_CONFIG, -1, "'r.json': F is not a whole number in 0..2^53"},
        {"frac", false, true, ML_ERR_CONFIG, -1, "'r.json': F is not a whole number in 0..2^53"},
        {"s", false, true, ML_ERR_CONFIG, -1, "'r.json': F is not a number"},
        {"t", false, true, ML_ERR_CONFIG, -1, "'r.json': F is not a number"},
        {"absent", false, false, ML_OK, -1, NULL},
        {"absent", true, true, ML_ERR_CONFIG, -1, "'r.json': F is missing"},
        {"nul", false, true, ML_OK, -1, NULL},
        {"nul", true, true, ML_OK, -1, NULL},
        {"nul", false, false, ML_ERR_CONFIG, -1, "'r.json': F is null"},
    };
    int failures = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t out = 7;
        int rc;

        f->err[0] = '\0';
        rc = ml_jget_int(&f->c, f->root, cases[i].key, "F", cases[i].required, cases[i].nullable,
                         &out);
        if (rc != cases[i].rc || out != cases[i].out ||
            (cases[i].msg != NULL && strcmp(f->err, cases[i].msg) != 0))
            TU_ROW_FAIL(failures, "%s (required %d, nullable %d): rc %d out %lld '%s'",
                        cases[i].key, cases[i].required, cases[i].nullable, rc, (long long)out,
                        f->err);
    }
    assert_int_equal(failures, 0);
}

static void test_uint(void **state)
{
    struct fixture *f = *state;
    uint64_t out = 7;

    assert_int_equal(ml_jget_uint(&f->c, f->root, "n", "n", &out), ML_OK);
    assert_int_equal(out, 42);
    /* required and never null: 0 on a failure */
    assert_int_equal(ml_jget_uint(&f->c, f->root, "nul", "summary.x", &out), ML_ERR_CONFIG);
    assert_int_equal(out, 0);
    assert_string_equal(f->err, "'r.json': summary.x is null");
    assert_int_equal(ml_jget_uint(&f->c, f->root, "absent", "summary.y", &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': summary.y is missing");
}

static void test_str(void **state)
{
    struct fixture *f = *state;
    const char *out = "x";

    assert_int_equal(ml_jget_str(&f->c, f->root, "s", "s", true, &out), ML_OK);
    assert_string_equal(out, "text");
    assert_int_equal(ml_jget_str(&f->c, f->root, "nul", "s", false, &out), ML_OK);
    assert_null(out);
    assert_int_equal(ml_jget_str(&f->c, f->root, "absent", "s", false, &out), ML_OK);
    assert_null(out);
    assert_int_equal(ml_jget_str(&f->c, f->root, "nul", "jvm.x", true, &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': jvm.x is null");
    assert_int_equal(ml_jget_str(&f->c, f->root, "absent", "trigger", true, &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': trigger is missing");
    out = "x";
    assert_int_equal(ml_jget_str(&f->c, f->root, "n", "leaks[0].class", false, &out),
                     ML_ERR_CONFIG);
    assert_null(out);
    assert_string_equal(f->err, "'r.json': leaks[0].class is not a string");
}

static void test_bool(void **state)
{
    struct fixture *f = *state;
    bool out = true;

    assert_int_equal(ml_jget_bool(&f->c, f->root, "t", "t", &out), ML_OK);
    assert_true(out);
    assert_int_equal(ml_jget_bool(&f->c, f->root, "f", "f", &out), ML_OK);
    assert_false(out);
    out = true;
    assert_int_equal(ml_jget_bool(&f->c, f->root, "nul", "b", &out), ML_OK);
    assert_false(out);
    out = true;
    assert_int_equal(ml_jget_bool(&f->c, f->root, "absent", "b", &out), ML_OK);
    assert_false(out);
    assert_int_equal(ml_jget_bool(&f->c, f->root, "n", "agent.attached", &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': agent.attached is not a boolean");
}

static void test_objects_and_arrays(void **state)
{
    struct fixture *f = *state;
    const cJSON *out = NULL;

    assert_int_equal(ml_jget_object(&f->c, f->root, "o", "o", &out), ML_OK);
    assert_true(cJSON_IsObject(out));
    assert_int_equal(ml_jget_object(&f->c, f->root, "absent", "jvm", &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': jvm is missing");
    assert_int_equal(ml_jget_object(&f->c, f->root, "nul", "jvm", &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': jvm is not an object");
    assert_int_equal(ml_jget_array(&f->c, f->root, "a", "a", &out), ML_OK);
    assert_true(cJSON_IsArray(out));
    assert_int_equal(ml_jget_array(&f->c, f->root, "o", "leaks", &out), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': leaks is not an array");

    /* optional: absent or null is NULL, another type an error */
    out = f->root;
    assert_int_equal(ml_jget_opt_object(&f->c, f->root, "nul", "gc", &out), ML_OK);
    assert_null(out);
    out = f->root;
    assert_int_equal(ml_jget_opt_object(&f->c, f->root, "absent", "gc", &out), ML_OK);
    assert_null(out);
    assert_int_equal(ml_jget_opt_object(&f->c, f->root, "o", "gc", &out), ML_OK);
    assert_non_null(out);
    assert_int_equal(ml_jget_opt_object(&f->c, f->root, "a", "gc", &out), ML_ERR_CONFIG);
    assert_null(out);
    assert_string_equal(f->err, "'r.json': gc is not an object or null");
}

static void test_strings(void **state)
{
    struct fixture *f = *state;
    const char **out = NULL;
    size_t n = 9;

    assert_int_equal(ml_jget_strings(&f->c, f->root, "strs", "s", &out, &n), ML_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "x");
    assert_string_equal(out[1], "y");
    free((void *)out);
    assert_int_equal(ml_jget_strings(&f->c, f->root, "empty", "s", &out, &n), ML_OK);
    assert_int_equal(n, 0);
    free((void *)out);
    assert_int_equal(ml_jget_strings(&f->c, f->root, "nul", "s", &out, &n), ML_OK);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(ml_jget_strings(&f->c, f->root, "o", "gc.collectors", &out, &n),
                     ML_ERR_CONFIG);
    assert_null(out);
    assert_string_equal(f->err, "'r.json': gc.collectors is not an array");
    /* an element of another type: an error, and the array is still the caller's to free */
    assert_int_equal(ml_jget_strings(&f->c, f->root, "mixed", "gc.collectors", &out, &n),
                     ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': gc.collectors has an element that is not a string");
    free((void *)out);
}

static void test_whole_and_member(void **state)
{
    struct fixture *f = *state;

    assert_true(ml_jget_whole(0) && ml_jget_whole(9007199254740992.0));
    assert_false(ml_jget_whole(-1) || ml_jget_whole(0.5) || ml_jget_whole(9007199254740994.0));
    assert_false(ml_jget_whole(1.0 / 0.0) || ml_jget_whole(0.0 / 0.0));
    assert_non_null(ml_jget_member(f->root, "n"));
    assert_null(ml_jget_member(f->root, "N")); /* case-sensitive */
    assert_null(ml_jget_member(f->root, "absent"));
    assert_int_equal(ml_jget_bad(&f->c, "leaks[3].path[0].ref", "is odd"), ML_ERR_CONFIG);
    assert_string_equal(f->err, "'r.json': leaks[3].path[0].ref is odd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_str, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_and_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_and_member, setup, teardown),
    };

    return cmocka_run_group_tests_name("jsonget", tests, NULL, NULL);
}
