/* CMocka tests of src/core/jnames.c: class signatures to Java names (with the output bound) and the
 * hidden-class test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/jnames.h"
#include "testutil.h"

static const struct {
    const char *sig;
    const char *name;   /* NULL: not a class signature */
} NAMES[] = {
    {"Ljava/net/URLClassLoader;", "java.net.URLClassLoader"},
    {"Lorg/apache/flink/util/FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;",
     "org.apache.flink.util.FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader"},
    {"LFoo;", "Foo"},
    {"La;", "a"},
    {"Lp/Foo$$Lambda$14.0x0000000800c03000;", "p.Foo$$Lambda$14.0x0000000800c03000"},
    {"L;", NULL},
    {"L", NULL},
    {"", NULL},
    {"I", NULL},
    {"[Ljava/lang/String;", NULL},
    {"Ljava/lang/String", NULL},
    {"java/lang/String;", NULL},
    {"java.lang.String", NULL},
};

static void test_sig_to_name_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
        char out[256];
        bool ok;

        memset(out, 'X', sizeof(out));
        ok = ml_sig_to_name(NAMES[i].sig, out, sizeof(out));
        if (ok != (NAMES[i].name != NULL))
            TU_ROW_FAIL(failures, "'%s': returned %d", NAMES[i].sig, ok);
        else if (ok && strcmp(out, NAMES[i].name) != 0)
            TU_ROW_FAIL(failures, "'%s': '%s', want '%s'", NAMES[i].sig, out, NAMES[i].name);
        else if (!ok && out[0] != '\0')
            TU_ROW_FAIL(failures, "'%s': out not emptied", NAMES[i].sig);
    }
    assert_int_equal(failures, 0);
}

static void test_sig_to_name_bounds(void **state)
{
    char out[8];

    (void)state;
    memset(out, 'X', sizeof(out));
    assert_true(ml_sig_to_name("LFoo;", out, 4));        /* "Foo" + NUL */
    assert_string_equal(out, "Foo");
    assert_int_equal(out[4], 'X');
    memset(out, 'X', sizeof(out));
    assert_false(ml_sig_to_name("LFoo;", out, 3));
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[3], 'X');
    memset(out, 'X', sizeof(out));
    assert_false(ml_sig_to_name("LFoo;", out, 0));       /* nothing may be written */
    assert_int_equal(out[0], 'X');
    assert_false(ml_sig_to_name(NULL, out, sizeof(out)));
    assert_int_equal(out[0], '\0');
}

static void test_is_hidden(void **state)
{
    (void)state;
    assert_true(ml_sig_is_hidden("Lp/Foo$$Lambda$14.0x0000000800c03000;"));
    assert_true(ml_sig_is_hidden("Ljdk/internal/reflect/GeneratedMethodAccessor1.0x1;"));
    assert_true(ml_sig_is_hidden("LFoo.0x0000000800001000;"));
    assert_false(ml_sig_is_hidden("Ljava/lang/String;"));
    assert_false(ml_sig_is_hidden("Lp/Foo$$Lambda$14;"));
    assert_false(ml_sig_is_hidden("[Lp/Foo.0x1;"));
    assert_false(ml_sig_is_hidden(""));
    assert_false(ml_sig_is_hidden(NULL));
}

static void test_sig_to_java(void **state)
{
    static const char *const cases[][2] = {
        {"Ljava/lang/Object;", "java.lang.Object"},
        {"[Ljava/lang/Object;", "java.lang.Object[]"},
        {"[[I", "int[][]"},
        {"J", "long"},
        {"Lp/A$B;", "p.A$B"},
        {"Q", "Q"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = ml_sig_to_java(cases[i][0]);

        assert_non_null(got);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
    assert_null(ml_sig_to_java(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_to_java),
        cmocka_unit_test(test_sig_to_name_table),
        cmocka_unit_test(test_sig_to_name_bounds),
        cmocka_unit_test(test_is_hidden),
    };

    return cmocka_run_group_tests_name("jnames", tests, NULL, NULL);
}
