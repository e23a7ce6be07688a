/* CMocka tests: options string, YAML configuration (data-driven), report path templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/config.h"
#include "metaleak/error.h"
#include "metaleak/options.h"
#include "metaleak/pathfmt.h"

static void test_defaults(void **state)
{
    struct ml_options o;

    (void)state;
    ml_options_defaults(&o);
    assert_int_equal(o.interval_s, 60);
    assert_int_equal(o.leak_gcs, 1);
    assert_true(o.verify_on_exit);
    assert_int_equal(o.log, ML_LOG_INFO);
    assert_int_equal(o.max_loaders, 100000);
    assert_int_equal(o.history, 1000);
    assert_string_equal(o.report, "");
    assert_string_equal(o.config, "");
}

/* Each inline option string: expected rc and a substring of the message (or of nothing). */
static const struct {
    const char *opts;
    int rc;
    const char *msg;
} INLINE[] = {
    {"", ML_OK, NULL},
    {"interval=0", ML_OK, NULL},
    {"interval=86400", ML_OK, NULL},
    {"interval=86401", ML_ERR_CONFIG, "agent options: interval: '86401' is out of range 0..86400"},
    {"interval=-1", ML_ERR_CONFIG, "interval: '-1' is not a whole number"},
    {"interval=1e3", ML_ERR_CONFIG, "interval: '1e3' is not a whole number"},
    {"interval=", ML_ERR_CONFIG, "interval: '' is not a whole number"},
    {"interval=99999999999999999999999", ML_ERR_CONFIG, "is not a whole number"},
    {"leak_gcs=1000", ML_OK, NULL},
    {"leak_gcs=1001", ML_ERR_CONFIG, "leak_gcs: '1001' is out of range 1..1000"},
    {"max_loaders=15", ML_ERR_CONFIG, "max_loaders: '15' is out of range 16..10000000"},
    {"history=0", ML_OK, NULL},
    {"history=1000001", ML_ERR_CONFIG, "history: '1000001' is out of range"},
    {"verify_on_exit=false", ML_OK, NULL},
    {"verify_on_exit=TRUE", ML_ERR_CONFIG, "verify_on_exit: 'TRUE' is not true or false"},
    {"log=debug", ML_OK, NULL},
    {"log=verbose", ML_ERR_CONFIG, "log: 'verbose' is not one of quiet, info, debug"},
    {"report=", ML_ERR_CONFIG, "report: empty path"},
    {"intervl=5", ML_ERR_CONFIG,
     "unknown key 'intervl' (known keys: config, report, interval, leak_gcs, verify_on_exit, "
     "log, max_loaders, history)"},
    {"interval", ML_ERR_CONFIG, "'interval' is not key=value"},
    {"interval=1,interval=2", ML_ERR_CONFIG, "key 'interval' is given twice"},
    {"interval=1,,log=info", ML_ERR_CONFIG, "option 2 is empty"},
    {"interval=1,", ML_OK, NULL},
    {",interval=1", ML_ERR_CONFIG, "option 1 is empty"},
};

static void test_inline(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(INLINE) / sizeof(INLINE[0]); i++) {
        struct ml_options o;
        char err[ML_ERRBUF] = "";
        int rc;

        ml_options_defaults(&o);
        rc = ml_options_parse(INLINE[i].opts, &o, err, sizeof(err));
        if (rc != INLINE[i].rc || (INLINE[i].msg != NULL && strstr(err, INLINE[i].msg) == NULL))
            fail_msg("'%s': rc=%d err='%s' (want %d, '%s')", INLINE[i].opts, rc, err,
                     INLINE[i].rc, INLINE[i].msg ? INLINE[i].msg : "");
    }
}

static void test_inline_values(void **state)
{
    struct ml_options o;
    char err[ML_ERRBUF];

    (void)state;
    ml_options_defaults(&o);
    assert_int_equal(ml_options_parse("report=/tmp/r-%p.json,interval=5,leak_gcs=2,"
                                      "verify_on_exit=false,log=quiet,max_loaders=16,history=3",
                                      &o, err, sizeof(err)),
                     ML_OK);
    assert_string_equal(o.report, "/tmp/r-%p.json");
    assert_int_equal(o.interval_s, 5);
    assert_int_equal(o.leak_gcs, 2);
    assert_false(o.verify_on_exit);
    assert_int_equal(o.log, ML_LOG_QUIET);
    assert_int_equal(o.max_loaders, 16);
    assert_int_equal(o.history, 3);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/metaleak-test-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_config_file_and_override(void **state)
{
    char *path = write_temp("# metaleak\ninterval: 30\nlog: debug\nreport: \"/tmp/x.json\"\n");
    char opts[256], err[ML_ERRBUF];
    struct ml_options o;

    (void)state;
    snprintf(opts, sizeof(opts), "config=%s,interval=7", path);
    ml_options_defaults(&o);
    assert_int_equal(ml_options_parse(opts, &o, err, sizeof(err)), ML_OK);
    assert_int_equal(o.interval_s, 7);  /* inline wins */
    assert_int_equal(o.log, ML_LOG_DEBUG);
    assert_string_equal(o.report, "/tmp/x.json");
    unlink(path);
    free(path);
}

/* YAML cases through the buffer API: rc and message (file:line:col included). */
static const struct {
    const char *yaml;
    int rc;
    const char *msg;
} YAML[] = {
    {"", ML_OK, NULL},
    {"---\n", ML_OK, NULL},
    {"# only a comment\n", ML_OK, NULL},
    {"interval: 5\nleak_gcs: 3\n", ML_OK, NULL},
    {"interval: '5'\n", ML_OK, NULL},
    {"intervl: 5\n", ML_ERR_CONFIG, "c.yaml:1:1: unknown key 'intervl'"},
    {"interval: 5\n\nleak_gcs: x\n", ML_ERR_CONFIG, "c.yaml:3:11: leak_gcs: 'x' is not a whole"},
    {"interval: \"5\n", ML_ERR_CONFIG, "malformed YAML"},
    {"interval: 5\n  log: info\n", ML_ERR_CONFIG, "c.yaml:"},
    {"\tinterval: 5\n", ML_ERR_CONFIG, "malformed YAML"},
    {"interval:\n  a: 1\n", ML_ERR_CONFIG, "c.yaml:2:3: interval: value is a mapping"},
    {"interval: [1, 2]\n", ML_ERR_CONFIG, "interval: value is a list"},
    {"interval: 5\ninterval: 6\n", ML_ERR_CONFIG, "c.yaml:2:1: key 'interval' is given twice"},
    {"config: other.yaml\n", ML_ERR_CONFIG, "cannot name another one"},
    {"interval:\n", ML_ERR_CONFIG, "interval: no value"},
    {"- interval\n", ML_ERR_CONFIG, "expected a mapping of option keys"},
    {"just text\n", ML_ERR_CONFIG, "expected a mapping of option keys"},
    {"interval: 1\n---\nlog: info\n", ML_ERR_CONFIG, "more than one YAML document"},
    {"verify_on_exit: yes\n", ML_ERR_CONFIG, "verify_on_exit: 'yes' is not true or false"},
};

static void test_yaml_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(YAML) / sizeof(YAML[0]); i++) {
        struct ml_options o;
        char err[ML_ERRBUF] = "";
        int rc;

        ml_options_defaults(&o);
        rc = ml_config_load_buffer("c.yaml", YAML[i].yaml, strlen(YAML[i].yaml), &o, err,
                                   sizeof(err));
        if (rc != YAML[i].rc || (YAML[i].msg != NULL && strstr(err, YAML[i].msg) == NULL))
            fail_msg("case %zu: rc=%d err='%s' (want %d, '%s')", i, rc, err, YAML[i].rc,
                     YAML[i].msg ? YAML[i].msg : "");
    }
}

static void test_config_files(void **state)
{
    struct ml_options o;
    char err[ML_ERRBUF];
    char *big = malloc(2 * 1024 * 1024);
    char *path;

    (void)state;
    ml_options_defaults(&o);
    assert_int_equal(ml_config_load("/nonexistent/m.yaml", &o, err, sizeof(err)), ML_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/m.yaml: cannot read: No such file"));
    memset(big, '#', 2 * 1024 * 1024 - 1);
    big[2 * 1024 * 1024 - 1] = '\0';
    path = write_temp(big);
    assert_int_equal(ml_config_load(path, &o, err, sizeof(err)), ML_ERR_CONFIG);
    assert_non_null(strstr(err, "larger than"));
    unlink(path);
    free(path);
    free(big);
}

static void test_pathfmt(void **state)
{
    char out[64], err[ML_ERRBUF];
    time_t t = 1795420748; /* 2026-11-23 07:59:08 UTC */

    (void)state;
    assert_int_equal(ml_path_expand("/l/m-%p.json", 42, t, out, sizeof(out), err, sizeof(err)),
                     ML_OK);
    assert_string_equal(out, "/l/m-42.json");
    assert_int_equal(ml_path_expand("m-%t-%%.json", 1, t, out, sizeof(out), err, sizeof(err)),
                     ML_OK);
    assert_string_equal(out, "m-2026-11-23_07-59-08-%.json");
    assert_int_equal(ml_path_expand("m-%x.json", 1, t, out, sizeof(out), err, sizeof(err)),
                     ML_ERR_CONFIG);
    assert_non_null(strstr(err, "'%x' in 'm-%x.json' is not a known placeholder"));
    assert_int_equal(ml_path_expand("m-%", 1, t, out, sizeof(out), err, sizeof(err)),
                     ML_ERR_CONFIG);
    assert_int_equal(ml_path_expand("%p%p%p%p%p%p%p%p%p%p%p%p%p%p", 123456, t, out, 32, err,
                                    sizeof(err)),
                     ML_ERR_CONFIG);
    assert_non_null(strstr(err, "expands to more than 31 bytes"));

    assert_int_equal(ml_path_dirname("/a/b/c.json", out, sizeof(out)), ML_OK);
    assert_string_equal(out, "/a/b");
    assert_int_equal(ml_path_dirname("c.json", out, sizeof(out)), ML_OK);
    assert_string_equal(out, ".");
    assert_int_equal(ml_path_dirname("/c.json", out, sizeof(out)), ML_OK);
    assert_string_equal(out, "/");

    assert_int_equal(ml_path_check_dir("/tmp/r.json", err, sizeof(err)), ML_OK);
    assert_int_equal(ml_path_check_dir("/nonexistent/r.json", err, sizeof(err)), ML_ERR_CONFIG);
    assert_non_null(strstr(err, "directory '/nonexistent' does not exist (report=/nonexistent/r.json)"));
    assert_int_equal(ml_path_check_dir("/etc/passwd/r.json", err, sizeof(err)), ML_ERR_CONFIG);
    assert_int_equal(ml_path_check_dir("/tmp/", err, sizeof(err)), ML_ERR_CONFIG);
    assert_non_null(strstr(err, "names a directory"));
    /* /proc/1 is not writable, even for root */
    assert_int_equal(ml_path_check_dir("/proc/1/r.json", err, sizeof(err)), ML_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_inline),
        cmocka_unit_test(test_inline_values), cmocka_unit_test(test_config_file_and_override),
        cmocka_unit_test(test_yaml_cases),   cmocka_unit_test(test_config_files),
        cmocka_unit_test(test_pathfmt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
