/* CMocka tests for the CLI's logic on report fixtures: the report reader, sizes, baselines,
 * check (and what is undecided), summary, diff, leak groups, job names, times, the verdict
 * line and the HTML page's escaping. */
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
#include "metaleak/clifmt.h"
#include "metaleak/error.h"
#include "metaleak/html.h"
#include "metaleak/jobnames.h"
#include "metaleak/leakgroup.h"
#include "metaleak/reportread.h"
#include "metaleak/sizes.h"
#include "metaleak/triage.h"

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
                          "\"max_bytes\":null,\"verdict\":\"%s\"%s},"
                          "\"summary\":{\"loaders_live\":3,\"leaked_loaders\":%d,"
                          "\"loaders_unloaded\":1,\"classes_live\":100},"
                          "\"loaders\":[{\"id\":0,\"class\":\"<bootstrap>\",\"state\":\"live\","
                          "\"classes_live\":90,\"metaspace_bytes\":null,\"flink\":null}],"
                          "\"leaks\":[",
                          pid, start_ms, n_leaks > 0 ? "leak" : "healthy",
                          extra_metaspace ? extra_metaspace : "", n_leaks);
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
    int rc = ml_rfile_parse("fixture.json", text, strlen(text), rf, err, 512);

    if (rc != ML_OK && getenv("ML_TEST_VERBOSE") != NULL)
        fprintf(stderr, "parse: %s\n", err);
    return rc;
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
        {"accepted:\n  - reason: only\n", "needs cause, loader_class, jar, known or signature"},
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

static char *capture_diff(const char *a, const char *b, int want_rc)
{
    struct ml_rfile ra, rb;
    char err[512];
    FILE *f = tmpfile();
    char *out = calloc(1, 8192);

    assert_int_equal(parse(a, &ra, err), ML_OK);
    assert_int_equal(parse(b, &rb, err), ML_OK);
    assert_int_equal(ml_diff_print(&ra, &rb, f), want_rc);
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
    out = capture_diff(one, three, ML_EXIT_FAIL);
    assert_non_null(strstr(out, "same JVM (pid 42)"));
    assert_non_null(strstr(out, "2 new leaked loader(s)"));
    assert_non_null(strstr(out, "new   loader 11"));
    assert_non_null(strstr(out, "new   loader 12"));
    assert_null(strstr(out, "loader 10 "));
    free(out);
    /* same pid (containers) but another start time: matched by shape */
    out = capture_diff(one, other_run, ML_EXIT_FAIL);
    assert_non_null(strstr(out, "different JVMs"));
    assert_non_null(strstr(out, "new   2 x org.apache.flink.util.ChildFirstClassLoader"));
    free(out);
    out = capture_diff(other_run, one, ML_EXIT_OK);
    assert_non_null(strstr(out, "fixed 2 x"));
    assert_non_null(strstr(out, "0 new leaked loader(s)"));
    free(out);
    out = capture_diff(three, three, ML_EXIT_OK); /* nothing new: exit 0, like diff(1) */
    free(out);
    out = capture_diff(three, one, ML_EXIT_OK);   /* same JVM, fewer: not new */
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
    assert_int_equal(ml_summary_print(rf, 2, NULL, false, f), ML_EXIT_OK);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    assert_non_null(strstr(out, "verdict: LEAK - first: fix the jdbc-driver leak: 2 leaked "
                                "loader(s) hold 8.0 KiB"));
    /* the jdbc-driver leaks of both TaskManagers form one group (largest first), the other
     * leak its own */
    assert_non_null(strstr(out, "  2 x org.apache.flink.util.ChildFirstClassLoader  cause: "
                                "jdbc-driver  holds 8.0 KiB of Metaspace\n"
                                "    jobs: 0123456789abcdef0123456789abcdef\n"));
    assert_non_null(strstr(out, "from: tm1.json (pid 42) tm2.json (pid 43)"));
    assert_non_null(strstr(out, "cause: not explained yet"));
    assert_true(strstr(out, "cause: jdbc-driver") < strstr(out, "cause: not explained yet"));
    /* wall-clock beside JVM-relative times: start_epoch_ms 1000 + 10 ms */
    assert_non_null(strstr(out, "closed at 0.0 s (1970-01-01T00:00:01.010Z)"));
    fclose(f);
    ml_rfile_release(&rf[0]);
    ml_rfile_release(&rf[1]);
    free(a);
    free(b);
}


/* A leak with a two-step path: thread `thread` holds (by `how`: field target, or element
 * [index]) an object of its loader. */
static int leak_with_path(char *buf, size_t len, int id, const char *job, const char *thread,
                          const char *how, int index, int bytes, const char *extra)
{
    char idx[16];

    snprintf(idx, sizeof(idx), "%d", index);
    return snprintf(
        buf, len,
        "{\"loader_id\":%d,\"class\":\"org.apache.flink.util.ChildFirstClassLoader\","
        "\"identity_hash\":\"%x\",\"job_id\":\"%s\",\"urls\":[\"file:/tm/blobStorage/job_%s/"
        "blob_p-abc-%d\"],\"classes_live\":3,\"metaspace_bytes\":%d,\"closed_ms\":100,"
        "\"leaked_ms\":200,\"unloaded_ms\":null,\"proof\":\"full-gc\",\"gcs_since_close\":2,"
        "\"cause\":\"thread\",\"path\":[{\"ref\":\"thread\",\"field\":null,\"index\":null,"
        "\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"loader_id\":0,\"jar\":null,"
        "\"thread\":\"%s\",\"method\":null,\"key\":null,\"owned\":false,\"shutdown_hook\":false},"
        "{\"ref\":\"%s\",\"field\":%s,\"index\":%s,\"object\":\"instance\","
        "\"class\":\"com.example.Sleeper\",\"loader_id\":%d,\"jar\":null,\"thread\":null,"
        "\"method\":null,\"key\":null,\"owned\":true,\"shutdown_hook\":false}],"
        "\"path_summary\":\"thread '%s' (java.lang.Thread) -> com.example.Sleeper\","
        "\"advice\":\"Stop thread '%s'.\"%s}",
        id, 0x1000 + id, job, job, id, bytes, thread,
        strcmp(how, "array-element") == 0 ? "array-element" : "field",
        strcmp(how, "array-element") == 0 ? "null" : "\"target\"",
        strcmp(how, "array-element") == 0 ? idx : "null", id, thread, thread, extra ? extra : "");
}

/* A report with the given leaks (JSON objects, comma-separated) and loaders (may be ""). */
static char *report_of(int pid, const char *trigger, const char *leaks, const char *loaders,
                       const char *metaspace_extra, const char *top_extra)
{
    size_t len = strlen(leaks) + strlen(loaders) + 8192;
    char *buf = malloc(len);

    snprintf(buf, len,
             "{\"schema\":\"metaleak-report/1\",\"trigger\":\"%s\","
             "\"generated_at\":\"2026-12-03T13:42:16.837Z\","
             "\"jvm\":{\"pid\":%d,\"java_version\":\"17.0.15\",\"vm_name\":\"VM\","
             "\"uptime_ms\":51816,\"start_epoch_ms\":1796305285000},"
             "\"metaspace\":{\"used_bytes\":50000000,\"committed_bytes\":52000000,"
             "\"max_bytes\":134217728%s},"
             "\"summary\":{\"loaders_live\":3,\"leaked_loaders\":%d,\"loaders_unloaded\":0,"
             "\"classes_live\":100},"
             "\"loaders\":[{\"id\":0,\"class\":\"<bootstrap>\",\"state\":\"live\","
             "\"classes_live\":90,\"metaspace_bytes\":null,\"flink\":null}%s%s],"
             "\"leaks\":[%s]%s}",
             trigger, pid, metaspace_extra ? metaspace_extra : ",\"verdict\":\"leak\"",
             leaks[0] ? 1 : 0, loaders[0] ? "," : "", loaders, leaks, top_extra ? top_extra : "");
    return buf;
}

static void test_groups_by_path_shape(void **state)
{
    char a[4096], b[4096], c[4096], d[4096], l1[16384], l2[8192];
    char *r1, *r2;
    struct ml_rfile rf[2];
    struct ml_lgroups gs;
    char err[512];

    (void)state;
    /* a and b: the same leak in two submissions (other job, thread name, index) */
    leak_with_path(a, sizeof(a), 5, "0123456789abcdef0123456789abcdef", "worker-1",
                   "array-element", 0, 100, NULL);
    leak_with_path(b, sizeof(b), 9, "fedcba9876543210fedcba9876543210", "worker-2",
                   "array-element", 7, 200, NULL);
    /* c: another field, so another leak; the biggest */
    leak_with_path(c, sizeof(c), 6, "00000000000000000000000000000001", "worker-3", "field", 0,
                   1000, NULL);
    /* d: the same shape as a and b, in the second report */
    leak_with_path(d, sizeof(d), 5, "00000000000000000000000000000002", "worker-9",
                   "array-element", 3, 50, NULL);
    snprintf(l1, sizeof(l1), "%s,%s,%s", a, b, c);
    snprintf(l2, sizeof(l2), "%s", d);
    r1 = report_of(42, "exit", l1, "", NULL, NULL);
    r2 = report_of(43, "exit", l2, "", NULL, NULL);
    assert_int_equal(ml_rfile_parse("tm1.json", r1, strlen(r1), &rf[0], err, sizeof(err)), ML_OK);
    assert_int_equal(ml_rfile_parse("tm2.json", r2, strlen(r2), &rf[1], err, sizeof(err)), ML_OK);
    assert_int_equal(rf[0].leaks[0].n_steps, 2);
    assert_string_equal(rf[0].leaks[0].steps[0].thread, "worker-1");
    assert_int_equal(rf[0].leaks[0].steps[1].loader_id, 5);
    assert_true(rf[0].leaks[0].steps[1].owned);
    assert_int_equal(ml_lgroups_build(rf, 2, &gs), ML_OK);
    assert_int_equal(gs.n, 2);
    /* largest first: c (1000 bytes), then a + b + d (350) */
    assert_int_equal(gs.g[0].loaders, 1);
    assert_int_equal(gs.g[0].metaspace_bytes, 1000);
    assert_int_equal(gs.g[1].loaders, 3);
    assert_int_equal(gs.g[1].metaspace_bytes, 350);
    assert_int_equal(gs.g[1].n_jobs, 3);
    assert_true(gs.g[1].in_report[0] && gs.g[1].in_report[1]);
    assert_non_null(strstr(gs.g[1].key, "array-element[]"));
    assert_null(strstr(gs.g[1].key, "worker"));
    ml_lgroups_release(&gs);
    ml_rfile_release(&rf[0]);
    ml_rfile_release(&rf[1]);
    free(r1);
    free(r2);
}

/* Baseline entries by known leak id and by signature (the known-leaks issue). */
static void test_baseline_known(void **state)
{
    char a[4096], b[4096], l[16384];
    char err[512];
    struct ml_rfile rf;
    struct ml_baseline bl;
    char *r;
    const char *yaml;
    static const char *const bad[][2] = {
        {"accepted:\n  - known: kafka-clients\n",
         "bl.yaml:2:12: 'kafka-clients' is not a known leak id"},
        {"accepted:\n  - signature: 9f3a\n", "bl.yaml:2:16: signature '9f3a' is not 16 hex"},
        {"accepted:\n  - signature: 0123456789abcdefg\n", "is not 16 hex digits"},
        {"accepted:\n  - known: [a]\n", "single, non-empty value"},
    };

    (void)state;
    leak_with_path(a, sizeof(a), 5, "0123456789abcdef0123456789abcdef", "t1", "field", 0, 10,
                   ",\"signature\":\"00000000000009f3\",\"known\":{\"id\":"
                   "\"kafka-client-not-closed\",\"library\":\"org.apache.kafka:kafka-clients\","
                   "\"title\":\"t\",\"references\":[\"KAFKA-9306\"],\"fixed_in\":null,"
                   "\"advice\":\"close it\"}");
    leak_with_path(b, sizeof(b), 6, "0123456789abcdef0123456789abcdef", "t2", "field", 0, 10,
                   ",\"signature\":\"aaaaaaaaaaaaaaaa\",\"known\":null");
    snprintf(l, sizeof(l), "%s,%s", a, b);
    r = report_of(42, "exit", l, "", NULL, NULL);
    assert_int_equal(parse(r, &rf, err), ML_OK);

    yaml = "accepted:\n  - known: kafka-client-not-closed\n    reason: KAFKA-9306\n";
    assert_int_equal(ml_baseline_parse("bl.yaml", yaml, strlen(yaml), &bl, err, sizeof(err)),
                     ML_OK);
    assert_true(ml_baseline_accepts(&bl, &rf.leaks[0]));
    assert_false(ml_baseline_accepts(&bl, &rf.leaks[1])); /* known: null */
    ml_baseline_release(&bl);

    /* upper-case hex is the same signature */
    yaml = "accepted:\n  - signature: AAAAAAAAAAAAAAAA\n";
    assert_int_equal(ml_baseline_parse("bl.yaml", yaml, strlen(yaml), &bl, err, sizeof(err)),
                     ML_OK);
    assert_false(ml_baseline_accepts(&bl, &rf.leaks[0]));
    assert_true(ml_baseline_accepts(&bl, &rf.leaks[1]));
    ml_baseline_release(&bl);

    /* both keys: both must match */
    yaml = "accepted:\n  - known: kafka-client-not-closed\n    signature: aaaaaaaaaaaaaaaa\n";
    assert_int_equal(ml_baseline_parse("bl.yaml", yaml, strlen(yaml), &bl, err, sizeof(err)),
                     ML_OK);
    assert_false(ml_baseline_accepts(&bl, &rf.leaks[0]));
    assert_false(ml_baseline_accepts(&bl, &rf.leaks[1]));
    ml_baseline_release(&bl);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = ml_baseline_parse("bl.yaml", bad[i][0], strlen(bad[i][0]), &bl, err,
                                   sizeof(err));

        if (rc == ML_OK || strstr(err, bad[i][1]) == NULL)
            fail_msg("case %zu: rc=%d err='%s'", i, rc, err);
        ml_baseline_release(&bl);
    }
    ml_rfile_release(&rf);
    free(r);
}

/* A known leak's block: its workaround once, then the cause's general advice, not the agent's
 * whole advice (which starts with the same workaround). */
static void test_known_advice_once(void **state)
{
    struct ml_rknown k = {.id = "x"};
    const char *agent = "Known library leak x (g:a; no fixed release): Close it. In general: "
                        "Stop threads.";
    char a[4096];
    char err[512], *r, *out = NULL;
    size_t len = 0;
    struct ml_rfile rf;
    FILE *f;

    (void)state;
    assert_string_equal(ml_advice_beyond_known(agent, &k), "Stop threads.");
    assert_null(ml_advice_beyond_known("Known library leak x (g:a; no fixed release): Close it.",
                                       &k));
    assert_ptr_equal(ml_advice_beyond_known(agent, NULL), agent);     /* not a known leak */
    assert_string_equal(ml_advice_beyond_known("Stop threads.", &k), "Stop threads.");
    assert_null(ml_advice_beyond_known(NULL, &k));

    leak_with_path(a, sizeof(a), 5, "0123456789abcdef0123456789abcdef", "t1", "field", 0, 10,
                   ",\"signature\":\"00000000000009f3\",\"known\":{\"id\":"
                   "\"kafka-client-not-closed\",\"library\":\"org.apache.kafka:kafka-clients\","
                   "\"title\":\"T\",\"references\":[\"KAFKA-9306\",\"https://k/1\"],"
                   "\"fixed_in\":\"3.9.0\",\"advice\":\"Close the client.\"}");
    r = report_of(42, "exit", a, "", NULL, NULL);
    assert_int_equal(parse(r, &rf, err), ML_OK);
    f = open_memstream(&out, &len);
    ml_summary_print(&rf, 1, NULL, false, f);
    fclose(f);
    assert_non_null(strstr(out, "    known leak: kafka-client-not-closed - T "
                                "(org.apache.kafka:kafka-clients); fixed in 3.9.0; see "
                                "KAFKA-9306, https://k/1\n"
                                "    workaround: Close the client.\n"
                                "    in general: Stop thread 't1'.\n"));
    assert_null(strstr(out, "    fix: "));
    free(out);
    out = NULL;
    f = open_memstream(&out, &len);
    ml_html_write(&rf, 1, NULL, f);
    fclose(f);
    assert_non_null(strstr(out, "<a href=\"https://k/1\">https://k/1</a>"));
    assert_non_null(strstr(out, "fixed in: 3.9.0"));
    assert_non_null(strstr(out, "<span class=\"label\">in general</span> Stop thread"));
    free(out);
    ml_rfile_release(&rf);
    free(r);
}

static void test_groups_by_signature_and_jar(void **state)
{
    char a[4096], b[4096], l[16384];
    char *r;
    struct ml_rfile rf;
    struct ml_lgroups gs;
    char err[512];
    const char *known = ",\"signature\":\"9f3a\",\"known\":{\"id\":\"mysql-cleanup-thread\","
                        "\"library\":\"com.mysql:mysql-connector-j\",\"title\":\"MySQL "
                        "AbandonedConnectionCleanupThread\",\"references\":[\"https://bugs."
                        "mysql.com/bug.php?id=69526\"],\"fixed_in\":\"8.0.22\",\"advice\":\"Call "
                        "AbandonedConnectionCleanupThread.checkedShutdown()\"}";
    char *text;

    (void)state;
    /* different paths, one signature: one group, with the known leak */
    leak_with_path(a, sizeof(a), 5, "0123456789abcdef0123456789abcdef", "t1", "field", 0, 10,
                   known);
    leak_with_path(b, sizeof(b), 6, "0123456789abcdef0123456789abcdef", "t2", "array-element", 1,
                   10, ",\"signature\":\"9f3a\",\"known\":null");
    snprintf(l, sizeof(l), "%s,%s", a, b);
    r = report_of(42, "exit", l, "", NULL, NULL);
    assert_int_equal(parse(r, &rf, err), ML_OK);
    assert_string_equal(rf.leaks[0].known->id, "mysql-cleanup-thread");
    assert_int_equal(rf.leaks[0].known->n_references, 1);
    assert_null(rf.leaks[1].known);
    assert_int_equal(ml_lgroups_build(&rf, 1, &gs), ML_OK);
    assert_int_equal(gs.n, 1);
    assert_string_equal(gs.g[0].key, "signature 9f3a");
    assert_string_equal(gs.g[0].known->id, "mysql-cleanup-thread");
    ml_lgroups_release(&gs);
    ml_rfile_release(&rf);
    free(r);

    /* without a path: loader class, cause and the jar without Flink's per-upload suffix */
    text = fixture(42, 1000, 3, NULL, NULL);
    assert_int_equal(parse(text, &rf, err), ML_OK);
    assert_int_equal(ml_lgroups_build(&rf, 1, &gs), ML_OK);
    assert_int_equal(gs.n, 2); /* mysql-connector-8.jar; job.jar twice */
    ml_lgroups_release(&gs);
    ml_rfile_release(&rf);
    free(text);
    {
        struct ml_rleak x, y;
        const char *ux[] = {"file:/b/job_1/blob_p-44f8f7-de1777"};
        const char *uy[] = {"file:/b/job_2/blob_p-44f8f7-0c9d8e"};
        const char *uz[] = {"file:/b/job_2/blob_p-99aa00-0c9d8e"};
        char *kx, *ky, *kz;

        memset(&x, 0, sizeof(x));
        x.class_name = "org.apache.flink.util.ChildFirstClassLoader";
        x.urls = ux;
        x.n_urls = 1;
        y = x;
        y.urls = uy;
        kx = ml_leak_key(NULL, &x);
        ky = ml_leak_key(NULL, &y);
        y.urls = uz;
        kz = ml_leak_key(NULL, &y);
        assert_string_equal(kx, ky);
        assert_string_not_equal(kx, kz);
        free(kx);
        free(ky);
        free(kz);
    }
}

static void test_jobnames(void **state)
{
    const char *overview =
        "{\"jobs\":[{\"jid\":\"e03e5fe4029d3b5cb5d07e189e974ce3\",\"name\":\"ThreadLeakJob\","
        "\"start-time\":1796305290000,\"end-time\":1796305295000,\"state\":\"FINISHED\"},"
        "{\"jid\":\"not-a-job-id\",\"name\":\"x\"},"
        "{\"jid\":\"4b6089e078c0506a7684c3aebbe179ba\",\"name\":\"Jdbc <Job>\",\"end-time\":-1}]}";
    struct ml_jobnames jn = {NULL, 0}, back = {NULL, 0};
    char err[512];
    char *text;

    (void)state;
    assert_int_equal(ml_jobnames_from_overview(overview, strlen(overview), &jn, err, sizeof(err)),
                     ML_OK);
    assert_int_equal(jn.n, 2);
    assert_string_equal(ml_jobnames_find(&jn, "e03e5fe4029d3b5cb5d07e189e974ce3"),
                        "ThreadLeakJob");
    assert_null(ml_jobnames_find(&jn, "00000000000000000000000000000000"));
    assert_null(ml_jobnames_find(&jn, NULL));
    text = ml_jobnames_render(&jn, "http://jm:8081", 1796305300000);
    assert_non_null(strstr(text, "\"schema\":\t\"metaleak-flink-jobs/1\""));
    assert_non_null(strstr(text, "\"end_time\":\tnull"));
    assert_true(ml_jobnames_is(text, strlen(text)));
    assert_int_equal(ml_jobnames_parse("jobs.json", text, strlen(text), &back, err, sizeof(err)),
                     ML_OK);
    assert_int_equal(back.n, 2);
    assert_string_equal(ml_jobnames_find(&back, "4b6089e078c0506a7684c3aebbe179ba"),
                        "Jdbc <Job>");
    assert_int_equal(back.jobs[0].start_ms, 1796305290000);
    free(text);
    ml_jobnames_release(&back);
    ml_jobnames_release(&jn);

    assert_false(ml_jobnames_is("{\"schema\":\"metaleak-report/1\"}", 30));
    assert_int_equal(ml_jobnames_from_overview("{}", 2, &jn, err, sizeof(err)), ML_ERR_CONFIG);
    assert_non_null(strstr(err, "/jobs/overview"));
    text = "{\"schema\":\"metaleak-flink-jobs/1\",\"jobs\":[{\"id\":\"xyz\",\"name\":\"a\"}]}";
    assert_int_equal(ml_jobnames_parse("j.json", text, strlen(text), &jn, err, sizeof(err)),
                     ML_ERR_CONFIG);
    assert_non_null(strstr(err, "'j.json': jobs[0].id is not a Flink job id"));
    text = "{\"schema\":\"metaleak-flink-jobs/1\",\"jobs\":3}";
    assert_int_equal(ml_jobnames_parse("j.json", text, strlen(text), &jn, err, sizeof(err)),
                     ML_ERR_CONFIG);
    ml_jobnames_release(&jn);
}

static void test_times(void **state)
{
    char buf[96];
    struct ml_rfile rf;
    char err[512];
    char *text = fixture(42, 1000, 0, NULL, NULL);

    (void)state;
    assert_int_equal(ml_parse_iso8601("1970-01-01T00:00:01.010Z"), 1010);
    assert_int_equal(ml_parse_iso8601("2026-12-03T13:41:25Z"), 1796305285000);
    assert_int_equal(ml_parse_iso8601("2026-12-03T13:41:25.5Z"), 1796305285500);
    assert_int_equal(ml_parse_iso8601("2026-12-03 13:41:25Z"), -1);
    assert_int_equal(ml_parse_iso8601("2026-13-03T13:41:25Z"), -1);
    assert_int_equal(ml_parse_iso8601("2026-12-03T13:41:25+01:00"), -1);
    assert_int_equal(ml_parse_iso8601(NULL), -1);
    assert_string_equal(ml_format_iso8601(1796305285000, buf, sizeof(buf)),
                        "2026-12-03T13:41:25.000Z");
    assert_string_equal(ml_format_duration(340398, buf, sizeof(buf)), "5 min");
    assert_string_equal(ml_format_duration(7200000 + 300000, buf, sizeof(buf)), "2 h 5 min");
    assert_string_equal(ml_loader_label("app", "jdk.internal.loader.ClassLoaders$AppClassLoader",
                                        "5ffd2b27", buf, sizeof(buf)),
                        "'app' (jdk.internal.loader.ClassLoaders$AppClassLoader@5ffd2b27)");
    assert_string_equal(ml_loader_label(NULL, "java.net.URLClassLoader", "1b6d3586", buf,
                                        sizeof(buf)),
                        "java.net.URLClassLoader@1b6d3586");
    assert_int_equal(parse(text, &rf, err), ML_OK);
    assert_string_equal(ml_format_jvm_time(&rf, 14473, buf, sizeof(buf)),
                        "14.4 s (1970-01-01T00:00:15.473Z)");
    /* no start_epoch_ms (agent 0.2.0 and older): generated_at minus uptime */
    rf.start_epoch_ms = -1;
    assert_int_equal(ml_report_start_epoch(&rf), ml_parse_iso8601("2026-11-23T07:43:34.123Z") -
                                                     5000);
    rf.generated_at = "garbage";
    assert_string_equal(ml_format_jvm_time(&rf, 14473, buf, sizeof(buf)), "14.4 s");
    ml_rfile_release(&rf);
    free(text);
}

/* The first action for a report with verdict v (and no leak). */
static void first_action_of(const char *metaspace, const char *top, const char *want)
{
    char *r = report_of(42, "exit", "", "", metaspace, top);
    struct ml_rfile rf;
    struct ml_lgroups gs;
    char err[512], buf[1024];

    assert_int_equal(parse(r, &rf, err), ML_OK);
    assert_int_equal(ml_lgroups_build(&rf, 1, &gs), ML_OK);
    ml_first_action(&rf, 1, &gs, buf, sizeof(buf));
    if (strstr(buf, want) == NULL)
        fail_msg("first action '%s' lacks '%s'", buf, want);
    ml_lgroups_release(&gs);
    ml_rfile_release(&rf);
    free(r);
}

static void test_verdict_line(void **state)
{
    struct ml_rfile rf[2];
    char *a = report_of(1, "exit", "", "", ",\"verdict\":\"healthy\"", NULL);
    char *b = report_of(2, "exit", "", "", ",\"verdict\":\"undersized\"", NULL);
    char err[512];
    size_t at = 9;

    (void)state;
    first_action_of(",\"verdict\":\"undersized\"",
                    ",\"flink_config\":{\"file\":\"/f\",\"error\":null,\"values\":{"
                    "\"taskmanager.memory.jvm-metaspace.size\":\"256m\"}}",
                    "raise taskmanager.memory.jvm-metaspace.size (now 256m)");
    first_action_of(",\"verdict\":\"undersized\"", NULL,
                    "raise -XX:MaxMetaspaceSize (now 128.0 MiB)");
    first_action_of(",\"verdict\":\"growing\"", NULL, "metaleak diff OLD NEW");
    first_action_of(",\"verdict\":\"healthy\"", NULL, "nothing to do");
    first_action_of("", NULL, "no Metaspace verdict");
    /* the worst of all reports: undersized beats healthy */
    assert_int_equal(ml_rfile_parse("a", a, strlen(a), &rf[0], err, sizeof(err)), ML_OK);
    assert_int_equal(ml_rfile_parse("b", b, strlen(b), &rf[1], err, sizeof(err)), ML_OK);
    assert_int_equal(ml_worst_verdict(rf, 2, &at), ML_WORST_UNDERSIZED);
    assert_int_equal(at, 1);
    ml_rfile_release(&rf[0]);
    ml_rfile_release(&rf[1]);
    free(a);
    free(b);
}

/* check on a report with the given trigger, loaders, metaspace and top-level extras. */
static int check_of(const char *trigger, const char *leaks, const char *loaders,
                    const char *metaspace, const char *top, bool allow, char *out, char *errs)
{
    char *r = report_of(42, trigger, leaks, loaders, metaspace, top);
    struct ml_check_limits lim;
    int rc;

    memset(&lim, 0, sizeof(lim));
    lim.allow_undecided = allow;
    if (leaks[0] != '\0') {
        lim.has_max_loaders = true;
        lim.max_loaders = 5;
    }
    rc = run_check(r, &lim, out, errs);
    free(r);
    return rc;
}

static void test_check_undecided(void **state)
{
    static const char closed[] =
        "{\"id\":7,\"class\":\"java.net.URLClassLoader\",\"state\":\"closed\","
        "\"classes_live\":3,\"metaspace_bytes\":null,\"flink\":null}";
    static const char wrapper[] =
        "{\"id\":8,\"class\":\"org.apache.flink.util.FlinkUserCodeClassLoaders$"
        "SafetyNetWrapperClassLoader\",\"state\":\"closed\",\"classes_live\":0,"
        "\"metaspace_bytes\":null,\"flink\":{\"role\":\"safety-net-wrapper\",\"job_id\":null}}";
    static const char awaiting[] =
        "{\"id\":9,\"class\":\"java.net.URLClassLoader\",\"state\":\"closed\",\"classes_live\":3,"
        "\"metaspace_bytes\":null,\"flink\":null,\"awaiting_unload\":true}";
    static const char healthy[] = ",\"verdict\":\"healthy\"";
    static const char no_full_gc[] = ",\"gc\":{\"collectors\":[\"Epsilon\"],"
                                     "\"full_collectors\":[],\"full_gcs\":0,\"concurrent\":false}";
    char out[4096], errs[4096], leak[4096];

    (void)state;
    /* an interval report with a released loader without verdict: exit 2, naming file and id */
    assert_int_equal(check_of("interval", "", closed, healthy, NULL, false, out, errs),
                     ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "metaleak check: 'fixture.json': cannot decide: 1 released "
                                 "loader(s) without a verdict yet (ids 7): not the exit report"));
    assert_non_null(strstr(out, "PASS leaked loaders: 0 (limit 0)"));
    assert_int_equal(check_of("interval", "", closed, healthy, NULL, true, out, errs),
                     ML_EXIT_OK);
    assert_non_null(strstr(out, "note: 'fixture.json' is undecided: 1 released loader(s)"));
    /* must not trigger: the exit report (loaders released by the shutdown are not judged), a
     * SafetyNet wrapper (its inner loader carries the verdict), a loader awaiting unload */
    assert_int_equal(check_of("exit", "", closed, healthy, NULL, false, out, errs), ML_EXIT_OK);
    assert_int_equal(check_of("interval", "", wrapper, healthy, NULL, false, out, errs),
                     ML_EXIT_OK);
    assert_int_equal(check_of("interval", "", awaiting, healthy, NULL, false, out, errs),
                     ML_EXIT_OK);
    /* ... but an exit report of a collector that never proves a leak cannot answer */
    assert_int_equal(check_of("exit", "", closed, healthy, no_full_gc, false, out, errs),
                     ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "gc.full_collectors is empty"));
    assert_int_equal(check_of("exit", "", closed, healthy,
                              ",\"agent\":{\"version\":\"0.2.1\",\"options\":{\"verify_on_exit\":"
                              "false}}",
                              false, out, errs),
                     ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "verify_on_exit=false"));
    /* dropped loaders */
    assert_int_equal(check_of("exit", "", "", healthy,
                              ",\"dropped\":{\"loaders\":12,\"urls\":0,\"unloaded_history\":0}",
                              false, out, errs),
                     ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "12 loader(s) not tracked (dropped.loaders"));
    /* no Metaspace verdict: an agent before 0.2.0 */
    assert_int_equal(check_of("exit", "", "", "", ",\"agent\":{\"version\":\"0.1.0\"}", false,
                              out, errs),
                     ML_EXIT_USAGE);
    assert_non_null(strstr(errs, "no Metaspace verdict (an early agent, version 0.1.0)"));
    /* a failed gate stays failed (1): undecided loaders can only add leaks */
    leak_with_path(leak, sizeof(leak), 5, "0123456789abcdef0123456789abcdef", "t", "field", 0, 1,
                   NULL);
    {
        char *r = report_of(42, "interval", leak, closed, NULL, NULL);
        struct ml_check_limits lim;

        memset(&lim, 0, sizeof(lim));
        assert_int_equal(run_check(r, &lim, out, errs), ML_EXIT_FAIL);
        assert_non_null(strstr(out, "FAIL leaked loaders: 1 (limit 0)"));
        assert_non_null(strstr(out, "note: 'fixture.json' is undecided"));
        free(r);
    }
}

/* The page for a report whose strings try to inject markup. */
static void test_html_escapes(void **state)
{
    const char *evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    char leak[8192], loaders[2048], buf[512];
    char *r, *page = NULL;
    size_t len = 0;
    struct ml_rfile rf;
    struct ml_jobnames jn = {NULL, 0};
    char err[512];
    FILE *f;
    const char *overview = "{\"jobs\":[{\"jid\":\"0123456789abcdef0123456789abcdef\","
                           "\"name\":\"<script>alert(3)</script>\"}]}";

    (void)state;
    f = open_memstream(&page, &len);
    ml_h(f, "a<b>&\"c'\x01");
    fclose(f);
    assert_string_equal(page, "a&lt;b&gt;&amp;&quot;c&#39;&#xFFFD;");
    free(page);
    page = NULL;

    leak_with_path(leak, sizeof(leak), 5, "0123456789abcdef0123456789abcdef",
                   "<script>alert(4)</script>", "field", 0, 100, NULL);
    snprintf(loaders, sizeof(loaders),
             "{\"id\":5,\"class\":\"%s\",\"name\":\"%s\",\"state\":\"leaked\",\"classes_live\":3,"
             "\"metaspace_bytes\":100,\"flink\":null,\"urls\":[\"file:/x/%s.jar\"]}",
             "<b>x</b>", "\\\"><script>alert(5)</script>", "<svg onload=alert(6)>");
    r = report_of(42, "exit", leak, loaders,
                  ",\"verdict\":\"leak\",\"verdict_reason\":\"<script>alert(7)</script>\","
                  "\"samples\":[{\"t_ms\":10,\"used_bytes\":1000,\"committed_bytes\":2000,"
                  "\"after_full_gc\":false},{\"t_ms\":5000,\"used_bytes\":3000,"
                  "\"committed_bytes\":4000,\"after_full_gc\":true}]",
                  ",\"flink_config\":{\"file\":\"</td><script>x</script>\",\"error\":null,"
                  "\"values\":{\"<k>\":\"<v>\"}}");
    assert_int_equal(ml_rfile_parse(evil, r, strlen(r), &rf, err, sizeof(err)), ML_OK);
    assert_int_equal(ml_jobnames_from_overview(overview, strlen(overview), &jn, err, sizeof(err)),
                     ML_OK);
    f = open_memstream(&page, &len);
    assert_int_equal(ml_html_write(&rf, 1, &jn, f), ML_EXIT_OK);
    fclose(f);
    /* no markup from the report: no script element, no img, no event handler */
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "<img"));
    assert_null(strstr(page, "<svg onload"));
    assert_null(strstr(page, "<b>x"));
    assert_null(strstr(page, "<k>"));
    assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(page, "&lt;script&gt;alert(3)&lt;/script&gt;")); /* the job name */
    assert_non_null(strstr(page, "&lt;script&gt;alert(4)&lt;/script&gt;")); /* the thread */
    /* the parts are there: chart, group, chain with a boundary */
    assert_non_null(strstr(page, "<svg class=\"chart-svg\""));
    assert_non_null(strstr(page, "<polyline class=\"used\""));
    assert_non_null(strstr(page, "<article class=\"group\" id=\"leak-1\">"));
    assert_non_null(strstr(page, "<li class=\"boundary\">"));
    assert_non_null(strstr(page, "Content-Security-Policy"));
    snprintf(buf, sizeof(buf), "<li class=\"step root\">");
    assert_non_null(strstr(page, buf));
    free(page);
    ml_jobnames_release(&jn);
    ml_rfile_release(&rf);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_valid),   cmocka_unit_test(test_reader_bad),
        cmocka_unit_test(test_reader_wrong_types), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_baseline),       cmocka_unit_test(test_baseline_bad),
        cmocka_unit_test(test_check),          cmocka_unit_test(test_diff),
        cmocka_unit_test(test_summary),        cmocka_unit_test(test_groups_by_path_shape),
        cmocka_unit_test(test_groups_by_signature_and_jar),
        cmocka_unit_test(test_baseline_known), cmocka_unit_test(test_known_advice_once), cmocka_unit_test(test_jobnames),
        cmocka_unit_test(test_times),          cmocka_unit_test(test_verdict_line),
        cmocka_unit_test(test_check_undecided), cmocka_unit_test(test_html_escapes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
