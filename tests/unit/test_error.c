/* CMocka tests of src/core/error.c: every code has its description, unknown codes too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "testutil.h"

static void test_strerror(void **state)
{
    static const struct {
        int code;
        const char *text;
    } cases[] = {
        {ML_OK, "success"},
        {ML_ERR_CONFIG, "invalid configuration"},
        {ML_ERR_IO, "input/output error"},
        {ML_ERR_NOMEM, "out of memory"},
        {ML_ERR_JVM, "JVMTI/JNI call failed"},
        {ML_ERR_FULL, "bound reached"},
        {-6, "unknown error"},
        {1, "unknown error"},
        {-1000, "unknown error"},
    };
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = ml_strerror(cases[i].code);

        if (got == NULL || strcmp(got, cases[i].text) != 0)
            TU_ROW_FAIL(failures, "%d: '%s', want '%s'", cases[i].code, got ? got : "(null)",
                        cases[i].text);
    }
    assert_int_equal(failures, 0);
}

static void test_codes(void **state)
{
    (void)state;
    /* the values are part of the interface: 0 or negative */
    assert_int_equal(ML_OK, 0);
    assert_true(ML_ERR_CONFIG < 0 && ML_ERR_IO < 0 && ML_ERR_NOMEM < 0 && ML_ERR_JVM < 0 &&
                ML_ERR_FULL < 0);
    assert_true(ML_ERRBUF >= 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_codes),
    };

    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
