/* CMocka tests for the CLI's logic on report fixtures: the report reader, sizes, baselines,
 * check, summary and diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/baseline.h"
#include "metaleak/cli.h"
#include "metaleak/error.h"
#include "metaleak/reportread.h"
#include "metaleak/sizes.h"

/* A minimal valid report with `n_leaks` leaks; the first leak has `cause` and a jar URL. */
static char *fixture(int pid, long long start_ms, int n_leaks, const char *cause,
                     const char *extra_metaspace)
{
    char *buf = malloc(65536);
    size_t o = 0;

    o += (size_t)snprintf(buf + o, 65536 - o,
                          "{\"schema\":\"metaleak-report/1\",\"trigger\":\"exit\","
                          "\"generated_at\":\"2026-11-23T07:43:34.123Z\","
                          "\"jvm\":{\"pid\":%d,\"java_version\":\"17.0.15\",\"vm_name\":\"VM\","
                          "\"uptime_ms\":5000,\"start_epoch_ms\":%lld},"
                          "\"metaspace\":{\"used_bytes\":1000,\"committed_bytes\":2000,"
                          "\"max_bytes\":null%s},"
                          "\"summary\":{\"loaders_live\":3,\"leaked_loaders\":%d,"
                          "\"loaders_unloaded\":1,\"classes_live\":100},"
                          "\"loaders\":[{\"id\":0,\"class\":\"<bootstrap>\",\"state\":\"live\","
                          "\"classes_live\":90,\"metaspace_bytes\":null,\"flink\":null}],"
                          "\"leaks\":[",
                          pid, start_ms, extra_metaspace ? extra_metaspace : "", n_leaks);
    for (int i = 0; i < n_leaks; i++) {
        o += (size_t)snprintf(
            buf + o, 65536 - o,
            "%s{\"loader_id\":%d,\"class\":\"org.apache.flink.util.ChildFirstClassLoader\","
            "\"identity_hash\":\"1a2b\",\"job_id\":\"0123456789abcdef0123456789abcdef\","
            "\"urls\":[\"file:/tmp/blob/job_0123/blob_p-1/%s\"],\"classes_live\":%d,"
            "\"metaspace_bytes\":%s,\"closed_ms\":10,\"leaked_ms\":20,\"unloaded_ms\":null,"
            "\"proof\":\"full-gc\",\"gcs_since_close\":1%s%s%s}",
            i ? "," : "", 10 + i, i == 0 ? "mysql-connector-8.jar" : "job.jar", 5 + i,
            i == 0 ? "4096" : "null", cause && i == 0 ? ",\"cause\":\"" : "",
            cause && i == 0 ? cause : "", cause && i == 0 ? "\"" : "");
    }
    snprintf(buf + o, 65536 - o, "]}");
    return buf;
}

static int parse(const char *text, struct ml_rfile *rf, char *err)
{
    return ml_rfile_parse("fixture.json", text, strlen(text), rf, err, 512);
}

static void test_reader_valid(void **state)
{
    struct ml_rfile rf;
    char err[512];
    char *text = fixture(42, 1000, 2, "jdbc-driver", NULL);

    (void)state;
    assert_int_equal(parse(text, &rf, err), ML_OK);
    assert_int_equal(rf.pid, 42);
    assert_int_equal(rf.n_leaks, 2);
    assert_int_equal(rf.leaked_loaders, 2);
    assert_string_equal(rf.leaks[0].cause, "jdbc-driver");
    assert_null(rf.leaks[1].cause);
    assert_int_equal(rf.leaks[0].metaspace_bytes, 4096);
    assert_int_equal(rf.leaks[1].metaspace_bytes, -1);
    assert_int_equal(rf.leaks[0].n_urls, 1);
    assert_int_equal(rf.metaspace_max, -1);
    assert_int_equal(rf.start_epoch_ms, 1000);
    assert_int_equal(rf.first_sample_used, -1);
    ml_rfile_release(&rf);
    free(text);
}

static const struct {
    const char *name;
    const char *text;
    const char *expect;
} BAD[] = {
    {"empty", "", "is empty"},
    {"not json", "hello", "not valid JSON"},
    {"truncated", "{\"schema\":\"metaleak-report/1\",\"trig", "truncated?"},
    {"array", "[]", "not a JSON object"},
    {"no schema", "{\"a\":1}", "not a metaleak report"},
    {"schema number", "{\"schema\":1}", "not a metaleak report"},
    {"future", "{\"schema\":\"metaleak-report/2\"}", "is not supported"},
    {"no trigger", "{\"schema\":\"metaleak-report/1\"}", "trigger is missing"},
    {"jvm not object",
     "{\"schema\":\"metaleak-report/1\",\"trigger\":\"exit\",\"generated_at\":\"x\",\"jvm\":3}",
     "jvm is not an object"},
};

static void test_reader_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        struct ml_rfile rf;
        char err[512];
        int rc = parse(BAD[i].text, &rf, err);

        if (rc == ML_OK || strstr(err, BAD[i].expect) == NULL ||
            strstr(err, "fixture.json") == NULL)
            fail_msg("case '%s': rc=%d err='%s'", BAD[i].name, rc, err);
        ml_rfile_release(&rf);
    }
}

static void test_reader_wrong_types(void **state)
{
    static const char *const swaps[][3] = {
        {"\"leaked_loaders\":2", "\"leaked_loaders\":\"2\"", "summary.leaked_loaders is not a number"},
        {"\"classes_live\":5,", "\"classes_live\":5.5,", "leaks[0].classes_live is not a whole"},
        {"\"classes_live\":5,", "\"classes_live\":1e300,", "leaks[0].classes_live is not a whole"},
        {"\"loader_id\":10", "\"loader_id\":-1", "leaks[0].loader_id is not a whole"},
        {"\"urls\":[\"file", "\"urls\":[3,\"file", "urls has an element"},
        {"\"pid\":42", "\"pid\":null", "jvm.pid is null"},
        {"\"state\":\"live\"", "\"state\":7", "loaders[0].state is not a string"},
        {"\"flink\":null", "\"flink\":[]", "loaders[0].flink is not an object or null"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
        char *text = fixture(42, 1000, 2, NULL, NULL);
        char *at = strstr(text, swaps[i][0]);
        char *patched = malloc(strlen(text) + 64);
        struct ml_rfile rf;
        char err[512];
        int rc;

        assert_non_null(at);
        snprintf(patched, strlen(text) + 64, "%.*s%s%s", (int)(at - text), text, swaps[i][1],
                 at + strlen(swaps[i][0]));
        rc = parse(patched, &rf, err);
        if (rc == ML_OK || strstr(err, swaps[i][2]) == NULL)
            fail_msg("swap %zu: rc=%d err='%s'", i, rc, err);
        ml_rfile_release(&rf);
        free(patched);
        free(text);
    }
}

static void test_sizes(void **state)
{
    uint64_t v = 0;
    char buf[32];

    (void)state;
    assert_true(ml_parse_size("0", &v) && v == 0);
    assert_true(ml_parse_size("512k", &v) && v == 512ULL * 1024);
    assert_true(ml_parse_size("256M", &v) && v == 256ULL << 20);
    assert_true(ml_parse_size("1g", &v) && v == 1ULL << 30);
    assert_true(ml_parse_size("256MB", &v) && v == 256ULL << 20);
    assert_false(ml_parse_size("", &v));
    assert_false(ml_parse_size("k", &v));
    assert_false(ml_parse_size("12q", &v));
    assert_false(ml_parse_size("-1", &v));
    assert_false(ml_parse_size("99999999999999999999", &v));
    assert_false(ml_parse_size("20000000000t", &v));
    assert_string_equal(ml_format_size(512, buf, sizeof(buf)), "512 B");
    assert_string_equal(ml_format_size(1536, buf, sizeof(buf)), "1.5 KiB");
    assert_string_equal(ml_format_size(-1, buf, sizeof(buf)), "unknown");
}

static void test_baseline(void **state)
{
    struct ml_baseline bl;
    struct ml_rfile rf;
    char err[512];
    const char *yaml = "accepted:\n"
                       "  - cause: jdbc-driver\n"
                       "    reason: known\n"
                       "  - jar: \"*job.jar\"\n"
                       "    loader_class: org.apache.flink.util.ChildFirstClassLoader\n";
    char *text = fixture(42, 1000, 3, "jdbc-driver", NULL);

    (void)state;
    assert_int_equal(ml_baseline_parse("bl.yaml", yaml, strlen(yaml), &bl, err, sizeof(err)),
                     ML_OK);
    assert_int_equal(bl.n, 2);
    assert_int_equal(parse(text, &rf, err), ML_OK);
    assert_true(ml_baseline_accepts(&bl, &rf.leaks[0]));  /* by cause */
    assert_true(ml_baseline_accepts(&bl, &rf.leaks[1]));  /* by jar + class */
    ml_baseline_release(&bl);

    yaml = "accepted:\n  - jar: \"*other.jar\"\n";
    assert_int_equal(ml_baseline_parse("bl.yaml", yaml, strlen(yaml), &bl, err, sizeof(err)),
                     ML_OK);
    assert_false(ml_baseline_accepts(&bl, &rf.leaks[1]));
    ml_baseline_release(&bl);
    ml_rfile_release(&rf);
    free(text);
}

static void test_baseline_bad(void **state)
{
    static const char *const cases[][2] = {
        {"accepted:\n  - jarr: x\n", "bl.yaml:2:5: unknown key 'jarr'"},
        {"accepted: [\n", "malformed YAML"},
        {"", "empty baseline"},
        {"- a\n", "expected a mapping"},
        {"accepted: 3\n", "must be a list"},
        {"accepted:\n  - reason: only\n", "needs cause, loader_class or jar"},
        {"accepted:\n  - cause: a\n    cause: b\n", "given twice"},
        {"accepted:\n  - jar: [a]\n", "single, non-empty value"},
        {"other: 1\n", "unknown key"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ml_baseline bl;
        char err[512];
        int rc = ml_baseline_parse("bl.yaml", cases[i][0], strlen(cases[i][0]), &bl, err,
                                   sizeof(err));

        if (rc == ML_OK || strstr(err, cases[i][1]) == NULL)
            fail_msg("case %zu: rc=%d err='%s'", i, rc, err);
        ml_baseline_release(&bl);
    }
}

/* Runs check on a fixture and returns its exit code; out/err captured into buffers. */
static int run_check(const char *text, const struct ml_check_limits *lim, char *out, char *errs)
{
    struct ml_rfile rf;
    char err[512];
    FILE *fo = tmpfile(), *fe = tmpfile();
    int rc;
    size_t n;

    assert_int_equal(parse(text, &rf, err), ML_OK);
    rc = ml_check_eval(&rf, lim, fo, fe);
    rewind(fo);
    rewind(fe);
    n = fread(out, 1, 4095, fo);
    out[n] = '\0';
    n = fread(errs, 1, 4095, fe);
    errs[n] = '\0';
    fclose(fo);
    fclose(fe);
    ml_rfile_release(&rf);
    return rc;
}

static void test_check(void **state)
{
    char out[4096], errs[4096];
    struct ml_check_limits lim;
    char *two = fixture(42, 1000, 2, NULL, NULL);
    char *none = fixture(42, 1000, 0, NULL, NULL);
    char *grow = fixture(42, 1000, 0, NULL,
                         ",\"samples\":[{\"used_bytes\":1000},{\"used_bytes\":5000}]");
    struct ml_baseline bl;
    char err[512];
    const char *yaml = "accepted:\n  - jar: \"*mysql-connector-*.jar\"\n";

    (void)state;
    memset(&lim, 0, sizeof(lim));
    assert_int_equal(run_check(two, &lim, out, errs), ML_EXIT_FAIL);
    assert_non_null(strstr(out, "FAIL leaked loaders: 2 (limit 0), over by 2"));
    assert_int_equal(run_check(none, &lim, out, errs), ML_EXIT_OK);
    assert_non_null(strstr(out, "PASS leaked loaders: 0 (limit 0)"));

    lim.has_max_loaders = true;
    lim.max_loaders = 2;
    assert_int_equal(run_check(two, &lim, out, errs), ML_EXIT_OK);

    /* one leak has no metaspace_bytes: the byte limit cannot be judged */
    memset(&lim, 0, sizeof(lim));
    lim.has_max_bytes = true;
    lim.max_bytes = 1 << 20;
    assert_int_equal(run_check(two, &lim, out, errs), ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "metaspace_bytes"));

    /* the baseline accepts the leak without bytes? no: it accepts the mysql one (with bytes) */
    assert_int_equal(ml_baseline_parse("bl", yaml, strlen(yaml), &bl, err, sizeof(err)), ML_OK);
    memset(&lim, 0, sizeof(lim));
    lim.baseline = &bl;
    assert_int_equal(run_check(two, &lim, out, errs), ML_EXIT_FAIL);
    assert_non_null(strstr(out, "1 leaked loader(s) accepted by the baseline"));
    assert_non_null(strstr(out, "FAIL leaked loaders: 1 (limit 0)"));
    ml_baseline_release(&bl);

    memset(&lim, 0, sizeof(lim));
    lim.has_max_growth = true;
    lim.max_growth = 1000;
    assert_int_equal(run_check(grow, &lim, out, errs), ML_EXIT_FAIL);
    assert_non_null(strstr(out, "FAIL Metaspace growth: 3.9 KiB"));
    lim.max_growth = 10000;
    assert_int_equal(run_check(grow, &lim, out, errs), ML_EXIT_OK);
    assert_int_equal(run_check(two, &lim, out, errs), ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "samples"));
    free(two);
    free(none);
    free(grow);
}

static char *capture_diff(const char *a, const char *b)
{
    struct ml_rfile ra, rb;
    char err[512];
    FILE *f = tmpfile();
    char *out = calloc(1, 8192);

    assert_int_equal(parse(a, &ra, err), ML_OK);
    assert_int_equal(parse(b, &rb, err), ML_OK);
    assert_int_equal(ml_diff_print(&ra, &rb, f), ML_EXIT_OK);
    rewind(f);
    out[fread(out, 1, 8191, f)] = '\0';
    fclose(f);
    ml_rfile_release(&ra);
    ml_rfile_release(&rb);
    return out;
}

static void test_diff(void **state)
{
    char *one = fixture(42, 1000, 1, NULL, NULL);
    char *three = fixture(42, 1000, 3, NULL, NULL);
    char *other_run = fixture(42, 900000, 3, NULL, NULL);
    char *out;

    (void)state;
    out = capture_diff(one, three);
    assert_non_null(strstr(out, "same JVM (pid 42)"));
    assert_non_null(strstr(out, "new   loader 11"));
    assert_non_null(strstr(out, "new   loader 12"));
    assert_null(strstr(out, "loader 10 "));
    free(out);
    /* same pid (containers) but another start time: matched by shape */
    out = capture_diff(one, other_run);
    assert_non_null(strstr(out, "different JVMs"));
    assert_non_null(strstr(out, "new   2 x org.apache.flink.util.ChildFirstClassLoader"));
    free(out);
    out = capture_diff(other_run, one);
    assert_non_null(strstr(out, "fixed 2 x"));
    free(out);
    free(one);
    free(three);
    free(other_run);
}

static void test_summary(void **state)
{
    struct ml_rfile rf[2];
    char err[512];
    char *a = fixture(42, 1000, 2, "jdbc-driver", NULL);
    char *b = fixture(43, 2000, 1, "jdbc-driver", NULL);
    FILE *f = tmpfile();
    char out[8192];
    size_t n;

    (void)state;
    assert_int_equal(ml_rfile_parse("tm1.json", a, strlen(a), &rf[0], err, sizeof(err)), ML_OK);
    assert_int_equal(ml_rfile_parse("tm2.json", b, strlen(b), &rf[1], err, sizeof(err)), ML_OK);
    assert_int_equal(ml_summary_print(rf, 2, false, f), ML_EXIT_OK);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    assert_non_null(strstr(out, "verdict: LEAK"));
    /* the jdbc-driver leaks of both TaskManagers form one group, the other leak its own */
    assert_non_null(strstr(out, "2 x org.apache.flink.util.ChildFirstClassLoader  job "
                                "0123456789abcdef0123456789abcdef  cause: jdbc-driver"));
    assert_non_null(strstr(out, "from: tm1.json (pid 42) tm2.json (pid 43)"));
    assert_non_null(strstr(out, "cause: not explained yet"));
    fclose(f);
    ml_rfile_release(&rf[0]);
    ml_rfile_release(&rf[1]);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_valid),   cmocka_unit_test(test_reader_bad),
        cmocka_unit_test(test_reader_wrong_types), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_baseline),       cmocka_unit_test(test_baseline_bad),
        cmocka_unit_test(test_check),          cmocka_unit_test(test_diff),
        cmocka_unit_test(test_summary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
