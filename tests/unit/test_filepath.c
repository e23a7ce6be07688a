/* CMocka tests of src/core/filepath.c: report path templates (%p, %t in UTC, %%, errors, the output
 * bound), the directory part of a path, and the start-up check of the report directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/filepath.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char err[ML_ERRBUF];
    char *saved_tz;            /* TZ before the test, NULL when unset */
};

/* A time zone far from UTC, so that a local-time %t shows. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *tz = getenv("TZ");

    if (f == NULL)
        return -1;
    f->dir = tu_mkdtemp();
    f->saved_tz = tz ? strdup(tz) : NULL;
    setenv("TZ", "XXX-05:30", 1);
    tzset();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->saved_tz != NULL)
        setenv("TZ", f->saved_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(f->saved_tz);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static const struct {
    const char *tmpl;
    long pid;
    long long start;      /* time_t */
    size_t outlen;
    int rc;
    const char *out;      /* ML_OK: the expansion; otherwise the exact message */
} EXPAND[] = {
    {"metaleak-%p.json", 4242, 0, 4096, ML_OK, "metaleak-4242.json"},
    {"/var/log/metaleak-%p-%p.json", 1, 0, 4096, ML_OK, "/var/log/metaleak-1-1.json"},
    {"%p", 2147483647, 0, 4096, ML_OK, "2147483647"},
    {"plain.json", 7, 0, 4096, ML_OK, "plain.json"},
    {"%t", 1, 1795419814, 4096, ML_OK, "2026-11-23_07-43-34"},
    {"%t", 1, 0, 4096, ML_OK, "1970-01-01_00-00-00"},
    {"r-%t.json", 1, 951868799, 4096, ML_OK, "r-2000-02-29_23-59-59.json"},
    {"r-%t.json", 1, 2147483647, 4096, ML_OK, "r-2038-01-19_03-14-07.json"},
    {"r-%t.json", 1, 4102444800LL, 4096, ML_OK, "r-2100-01-01_00-00-00.json"},
    {"%p_%t_%%", 99, 1795419814, 4096, ML_OK, "99_2026-11-23_07-43-34_%"},
    {"100%%", 1, 0, 4096, ML_OK, "100%"},
    {"%%p", 1, 0, 4096, ML_OK, "%p"},
    {"%%%p", 5, 0, 4096, ML_OK, "%5"},
    {"%x", 1, 0, 4096, ML_ERR_CONFIG,
     "report: '%x' in '%x' is not a known placeholder (use %p, %t, %h or %%)"},
    {"/tmp/r-%d.json", 1, 0, 4096, ML_ERR_CONFIG,
     "report: '%d' in '/tmp/r-%d.json' is not a known placeholder (use %p, %t, %h or %%)"},
    {"/tmp/r-%P.json", 1, 0, 4096, ML_ERR_CONFIG,
     "report: '%P' in '/tmp/r-%P.json' is not a known placeholder (use %p, %t, %h or %%)"},
    {"", 1, 0, 4096, ML_ERR_CONFIG, "report: empty path"},
    /* the bound: outlen includes the NUL */
    {"abcdefghi", 1, 0, 10, ML_OK, "abcdefghi"},
    {"abcdefghij", 1, 0, 10, ML_ERR_CONFIG, "report: 'abcdefghij' expands to more than 9 bytes"},
    {"x%p", 123456, 0, 8, ML_OK, "x123456"},
    {"x%p", 123456, 0, 7, ML_ERR_CONFIG, "report: 'x%p' expands to more than 6 bytes"},
    {"%t", 1, 0, 20, ML_OK, "1970-01-01_00-00-00"},
    {"%t", 1, 0, 19, ML_ERR_CONFIG, "report: '%t' expands to more than 18 bytes"},
    {"%%", 1, 0, 2, ML_OK, "%"},
    {"%%", 1, 0, 1, ML_ERR_CONFIG, "report: '%%' expands to more than 0 bytes"},
};

static void test_expand_table(void **state)
{
    struct fixture *f = *state;
    int failures = 0;

    for (size_t i = 0; i < sizeof(EXPAND) / sizeof(EXPAND[0]); i++) {
        char out[4096];
        int rc;

        memset(out, 'Z', sizeof(out));
        f->err[0] = '\0';
        rc = ml_filepath_expand(EXPAND[i].tmpl, (pid_t)EXPAND[i].pid, (time_t)EXPAND[i].start, out,
                            EXPAND[i].outlen, f->err, sizeof(f->err));
        if (rc != EXPAND[i].rc) {
            TU_ROW_FAIL(failures, "'%s' (outlen %zu): rc %d, want %d (err '%s')", EXPAND[i].tmpl,
                        EXPAND[i].outlen, rc, EXPAND[i].rc, f->err);
        } else if (rc == ML_OK) {
            if (strcmp(out, EXPAND[i].out) != 0)
                TU_ROW_FAIL(failures, "'%s': '%s', want '%s'", EXPAND[i].tmpl, out,
                            EXPAND[i].out);
            if (EXPAND[i].outlen < sizeof(out) && out[EXPAND[i].outlen] != 'Z')
                TU_ROW_FAIL(failures, "'%s': wrote past outlen %zu", EXPAND[i].tmpl,
                            EXPAND[i].outlen);
        } else {
            if (strcmp(f->err, EXPAND[i].out) != 0)
                TU_ROW_FAIL(failures, "'%s': message\n  '%s'\nwant\n  '%s'", EXPAND[i].tmpl,
                            f->err, EXPAND[i].out);
            for (size_t b = EXPAND[i].outlen; b < sizeof(out); b++) {
                if (out[b] != 'Z') {
                    TU_ROW_FAIL(failures, "'%s': wrote past outlen %zu", EXPAND[i].tmpl,
                                EXPAND[i].outlen);
                    break;
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* %h: the host name (a pod's name on Kubernetes), made safe for a file name; the key names
 * the option in messages (metrics=). */
static void test_expand_host(void **state)
{
    static const struct {
        const char *host;
        const char *out;
    } ROWS[] = {
        {"flink-taskmanager-7d9f6-x2v4k", "/r/metaleak-flink-taskmanager-7d9f6-x2v4k-1.json"},
        {"tm.example.com", "/r/metaleak-tm.example.com-1.json"},
        {"a/b c:d", "/r/metaleak-a_b_c_d-1.json"},
        {"", "/r/metaleak-unknown-host-1.json"},
        {NULL, "/r/metaleak-unknown-host-1.json"},
    };
    struct fixture *f = *state;
    char out[256];

    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        assert_int_equal(ml_filepath_expand_for("report", "/r/metaleak-%h-%p.json", 1, 0,
                                                ROWS[i].host, out, sizeof(out), f->err,
                                                sizeof(f->err)),
                         ML_OK);
        assert_string_equal(out, ROWS[i].out);
    }
    assert_int_equal(ml_filepath_expand_for("metrics", "/m/%q.prom", 1, 0, "h", out, sizeof(out),
                                            f->err, sizeof(f->err)),
                     ML_ERR_CONFIG);
    assert_string_equal(f->err, "metrics: '%q' in '/m/%q.prom' is not a known placeholder (use "
                                "%p, %t, %h or %%)");
    assert_int_equal(ml_filepath_check_dir_for("metrics", "/nonexistent-ml/m.prom", f->err,
                                               sizeof(f->err)),
                     ML_ERR_CONFIG);
    assert_string_equal(f->err, "metrics: directory '/nonexistent-ml' does not exist "
                                "(metrics=/nonexistent-ml/m.prom)");
    /* The default host is this machine's. */
    {
        char host[256], want[300];

        ml_filepath_host(host, sizeof(host));
        assert_true(host[0] != '\0');
        snprintf(want, sizeof(want), "%s", host);
        for (char *p = want; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                *p = '_';
        assert_int_equal(ml_filepath_expand("%h", 1, 0, out, sizeof(out), f->err,
                                            sizeof(f->err)),
                         ML_OK);
        assert_string_equal(out, want);
    }
}

/* A trailing '%' is an error that names the template. */
static void test_expand_trailing_percent(void **state)
{
    struct fixture *f = *state;
    char out[64];

    assert_int_equal(ml_filepath_expand("/tmp/r-%", 1, 0, out, sizeof(out), f->err, sizeof(f->err)),
                     ML_ERR_CONFIG);
    assert_non_null(strstr(f->err, "'/tmp/r-%'"));
    assert_non_null(strstr(f->err, "is not a known placeholder (use %p, %t, %h or %%)"));
    assert_int_equal(ml_filepath_expand("%", 1, 0, out, sizeof(out), f->err, sizeof(f->err)),
                     ML_ERR_CONFIG);
    assert_non_null(strstr(f->err, "in '%' is not a known placeholder"));
}

static void test_expand_real_pid(void **state)
{
    struct fixture *f = *state;
    char out[64], want[64];

    snprintf(want, sizeof(want), "/tmp/metaleak-%ld.json", (long)getpid());
    assert_int_equal(ml_filepath_expand("/tmp/metaleak-%p.json", getpid(), time(NULL), out,
                                    sizeof(out), f->err, sizeof(f->err)),
                     ML_OK);
    assert_string_equal(out, want);
}

static const struct {
    const char *path;
    size_t outlen;
    int rc;
    const char *dir;
} DIRNAMES[] = {
    {"r.json", 64, ML_OK, "."},
    {"/r.json", 64, ML_OK, "/"},
    {"/a/b/r.json", 64, ML_OK, "/a/b"},
    {"a/r.json", 64, ML_OK, "a"},
    {"./r.json", 64, ML_OK, "."},
    {"../r.json", 64, ML_OK, ".."},
    {"a/b/", 64, ML_OK, "a/b"},
    {"/", 64, ML_OK, "/"},
    {"//r.json", 64, ML_OK, "/"},
    {"/a/b/r.json", 5, ML_OK, "/a/b"},
    {"/a/b/r.json", 4, ML_ERR_FULL, NULL},
    {"r.json", 2, ML_OK, "."},
    {"r.json", 1, ML_ERR_FULL, NULL},
    {"/r.json", 2, ML_OK, "/"},
    {"/r.json", 1, ML_ERR_FULL, NULL},
};

static void test_dirname_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(DIRNAMES) / sizeof(DIRNAMES[0]); i++) {
        char out[64];
        int rc;

        memset(out, 'Z', sizeof(out));
        rc = ml_filepath_dirname(DIRNAMES[i].path, out, DIRNAMES[i].outlen);
        if (rc != DIRNAMES[i].rc)
            TU_ROW_FAIL(failures, "'%s' (outlen %zu): rc %d, want %d", DIRNAMES[i].path,
                        DIRNAMES[i].outlen, rc, DIRNAMES[i].rc);
        else if (rc == ML_OK && strcmp(out, DIRNAMES[i].dir) != 0)
            TU_ROW_FAIL(failures, "'%s': '%s', want '%s'", DIRNAMES[i].path, out,
                        DIRNAMES[i].dir);
        if (DIRNAMES[i].outlen < sizeof(out) && out[DIRNAMES[i].outlen] != 'Z')
            TU_ROW_FAIL(failures, "'%s': wrote past outlen %zu", DIRNAMES[i].path,
                        DIRNAMES[i].outlen);
    }
    assert_int_equal(failures, 0);
}

static void check_dir_is(struct fixture *f, const char *path, int rc, const char *msg)
{
    f->err[0] = '\0';
    assert_int_equal(ml_filepath_check_dir(path, f->err, sizeof(f->err)), rc);
    if (msg != NULL)
        assert_string_equal(f->err, msg);
}

static void test_check_dir_valid(void **state)
{
    struct fixture *f = *state;
    char *path = tu_join(f->dir, "metaleak-1.json");
    char *sub = tu_join(f->dir, "sub");
    char *deep = tu_join(sub, "r.json");

    check_dir_is(f, path, ML_OK, NULL);
    assert_int_equal(mkdir(sub, 0755), 0);
    check_dir_is(f, deep, ML_OK, NULL);
    check_dir_is(f, "metaleak.json", ML_OK, NULL);  /* the working directory */
    /* the file itself need not exist, and an existing one is fine too */
    tu_write_file(path, "{}", 2);
    check_dir_is(f, path, ML_OK, NULL);
    free(deep);
    free(sub);
    free(path);
}

static void test_check_dir_missing(void **state)
{
    struct fixture *f = *state;
    char path[ML_ERRBUF / 4], msg[ML_ERRBUF];

    snprintf(path, sizeof(path), "%s/nope/r.json", f->dir);
    snprintf(msg, sizeof(msg), "report: directory '%s/nope' does not exist (report=%s)", f->dir,
             path);
    check_dir_is(f, path, ML_ERR_CONFIG, msg);
    check_dir_is(f, "/nonexistent/r.json", ML_ERR_CONFIG,
                 "report: directory '/nonexistent' does not exist (report=/nonexistent/r.json)");
}

static void test_check_dir_not_a_directory(void **state)
{
    struct fixture *f = *state;
    char *file = tu_join(f->dir, "file");
    char path[ML_ERRBUF / 4], msg[ML_ERRBUF];

    tu_write_file(file, "x", 1);
    snprintf(path, sizeof(path), "%s/r.json", file);
    snprintf(msg, sizeof(msg), "report: '%s' is not a directory (report=%s)", file, path);
    check_dir_is(f, path, ML_ERR_CONFIG, msg);

    /* below a file: stat fails with ENOTDIR; the message still names directory and report */
    snprintf(path, sizeof(path), "%s/sub/r.json", file);
    assert_int_equal(ml_filepath_check_dir(path, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    snprintf(msg, sizeof(msg), "report: directory '%s/sub': ", file);
    assert_true(strncmp(f->err, msg, strlen(msg)) == 0);
    snprintf(msg, sizeof(msg), "(report=%s)", path);
    assert_non_null(strstr(f->err, msg));
    free(file);
}

static void test_check_dir_trailing_slash(void **state)
{
    struct fixture *f = *state;
    char path[ML_ERRBUF / 4], msg[ML_ERRBUF];

    snprintf(path, sizeof(path), "%s/", f->dir);
    snprintf(msg, sizeof(msg), "report: '%s' names a directory, not a file", path);
    check_dir_is(f, path, ML_ERR_CONFIG, msg);
    check_dir_is(f, "/", ML_ERR_CONFIG, "report: '/' names a directory, not a file");
}

static void check_in_child(void *arg, struct tu_result *res)
{
    res->rc = ml_filepath_check_dir(arg, res->msg, sizeof(res->msg));
}

/* As root, permission bits do not stop access(2): the check runs in a child as nobody. */
static void test_check_dir_unwritable(void **state)
{
    struct fixture *f = *state;
    char ro[128], path[192], msg[ML_ERRBUF];
    struct tu_result res;

    snprintf(ro, sizeof(ro), "%s/ro", f->dir);
    snprintf(path, sizeof(path), "%s/r.json", ro);
    assert_int_equal(mkdir(ro, 0555), 0);
    assert_int_equal(chmod(ro, 0555), 0);
    TU_RUN_CHILD(true, check_in_child, path, &res);
    snprintf(msg, sizeof(msg), "report: directory '%s' is not writable (report=%s)", ro, path);
    assert_int_equal(res.rc, ML_ERR_CONFIG);
    assert_string_equal(res.msg, msg);

    /* the same directory is fine for its owner once writable */
    assert_int_equal(chmod(ro, 0755), 0);
    check_dir_is(f, path, ML_OK, NULL);
}

/* /proc/1 refuses writes even to root (procfs permission checks). */
static void test_check_dir_proc(void **state)
{
    struct fixture *f = *state;

    if (access("/proc/1", X_OK) != 0)
        skip();
    check_dir_is(f, "/proc/1/metaleak.json", ML_ERR_CONFIG,
                 "report: directory '/proc/1' is not writable (report=/proc/1/metaleak.json)");
}

/* Was a bug: ml_filepath_check_dir("") read path[-1] (heap-buffer-overflow under ASan) and could
 * accept the empty path. */
static void test_fixed_check_dir_empty(void **state)
{
    struct fixture *f = *state;
    char *empty = calloc(1, 1);

    assert_non_null(empty);
    assert_int_equal(ml_filepath_check_dir(empty, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expand_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_trailing_percent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_real_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirname_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_not_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_unwritable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_dir_proc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_check_dir_empty, setup, teardown),
    };

    return cmocka_run_group_tests_name("filepath", tests, NULL, NULL);
}
