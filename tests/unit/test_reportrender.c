/* CMocka tests of src/core/reportrender.c: the fixture of report_fixture.c (loaders in every
 * state) is rendered, parsed back with cJSON and compared with the values the contract
 * (docs/report.md) implies, field by field, nulls included. Expected objects are written as
 * JSON and compared as subsets: every field they name must be present and equal (type
 * included); fields added later are allowed, as the contract's stability rules say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/registry.h"
#include "metaleak/verdict.h"
#include "metaleak/reportrender.h"
#include "metaleak/reportread.h"
#include "report_fixture.h"
#include "testutil.h"

struct fixture {
    struct rf_fixture rf;
    char *text;                /* rendered report, free() */
    cJSON *root;
};

static int setup_variant(void **state, enum rf_variant variant)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    *state = f;
    if (rf_build(&f->rf, variant) != 0)
        return -1;
    f->text = ml_report_render(f->rf.reg, &f->rf.meta);
    if (f->text == NULL)
        return -1;
    f->root = cJSON_Parse(f->text);
    return f->root == NULL ? -1 : 0;
}

static int setup_full(void **state)
{
    return setup_variant(state, RF_FULL);
}

static int setup_boot_only(void **state)
{
    return setup_variant(state, RF_BOOT_ONLY);
}

static int setup_extras(void **state)
{
    return setup_variant(state, RF_EXTRAS);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f == NULL)
        return 0;
    cJSON_Delete(f->root);
    if (f->text != NULL)
        free(f->text);
    rf_release(&f->rf);
    free(f);
    return 0;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (item == NULL)
        fail_msg("missing field '%s'", key);
    return item;
}

/* Every member of the JSON object `expected_json` is in `actual` with an equal value. */
static void expect_subset(const cJSON *actual, const char *what, const char *expected_json)
{
    cJSON *exp = cJSON_Parse(expected_json);
    const cJSON *e;
    int failures = 0;

    if (exp == NULL)
        fail_msg("%s: the expected JSON does not parse: %s", what, expected_json);
    if (!cJSON_IsObject(actual))
        fail_msg("%s: not an object", what);
    cJSON_ArrayForEach(e, exp) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(actual, e->string);

        if (a == NULL) {
            TU_ROW_FAIL(failures, "%s: field '%s' missing", what, e->string);
        } else if (!cJSON_Compare(a, e, true)) {
            char *as = cJSON_PrintUnformatted(a), *es = cJSON_PrintUnformatted(e);

            TU_ROW_FAIL(failures, "%s.%s: %s, want %s", what, e->string, as, es);
            cJSON_free(as);
            cJSON_free(es);
        }
    }
    cJSON_Delete(exp);
    assert_int_equal(failures, 0);
}

#define JOB RF_JOB_ID
#define BLOB_URL "file:/tmp/blobStore-1/job_" JOB "/blob_p-0a1b2c3d-4e5f"

static const char *const LOADERS_FULL[] = {
    "{\"id\":0,\"class\":\"<bootstrap>\",\"name\":null,\"identity_hash\":null,\"parent_id\":null,"
    "\"urls\":[],\"flink\":null,\"classes_defined\":500,\"classes_live\":500,"
    "\"hidden_classes_defined\":10,\"hidden_classes_live\":10,\"metaspace_bytes\":null,"
    "\"state\":\"live\",\"first_seen_ms\":0,\"last_define_ms\":400,\"closed_ms\":null,"
    "\"leaked_ms\":null,\"unloaded_ms\":null,\"gcs_since_close\":null}",

    "{\"id\":1,\"class\":\"jdk.internal.loader.ClassLoaders$AppClassLoader\",\"name\":\"app\","
    "\"identity_hash\":\"6d06d69c\",\"parent_id\":0,\"urls\":[],\"flink\":null,"
    "\"classes_defined\":1200,\"classes_live\":1198,\"hidden_classes_defined\":20,"
    "\"hidden_classes_live\":18,\"metaspace_bytes\":5000000000,\"state\":\"live\","
    "\"first_seen_ms\":5,\"last_define_ms\":900,\"closed_ms\":null,\"leaked_ms\":null,"
    "\"unloaded_ms\":null,\"gcs_since_close\":null}",

    /* urls checked apart (quotes, backslashes, a tab and UTF-8) */
    "{\"id\":2,\"class\":\"java.net.URLClassLoader\",\"name\":null,\"identity_hash\":\"1b6d3586\","
    "\"parent_id\":1,\"flink\":null,\"classes_defined\":2,\"classes_live\":2,"
    "\"hidden_classes_defined\":0,\"hidden_classes_live\":0,\"metaspace_bytes\":null,"
    "\"state\":\"closed\",\"first_seen_ms\":800,\"last_define_ms\":815,\"closed_ms\":1020,"
    "\"leaked_ms\":null,\"unloaded_ms\":null,\"gcs_since_close\":0}",

    "{\"id\":3,\"class\":\"org.apache.flink.util.ChildFirstClassLoader\",\"name\":null,"
    "\"identity_hash\":\"abc\",\"parent_id\":1,\"urls\":[\"" BLOB_URL "\"],"
    "\"flink\":{\"role\":\"user-code\",\"resolve_order\":\"child-first\",\"job_id\":\"" JOB "\","
    "\"wrapper_id\":4,\"inner_id\":null},\"classes_defined\":50,\"classes_live\":50,"
    "\"hidden_classes_defined\":4,\"hidden_classes_live\":4,\"metaspace_bytes\":123456,"
    "\"state\":\"leaked\",\"first_seen_ms\":810,\"last_define_ms\":1000,\"closed_ms\":1020,"
    "\"leaked_ms\":1533,\"unloaded_ms\":null,\"gcs_since_close\":1}",

    "{\"id\":4,\"class\":\"org.apache.flink.util.FlinkUserCodeClassLoaders$"
    "SafetyNetWrapperClassLoader\",\"name\":null,\"identity_hash\":\"7f31245a\",\"parent_id\":1,"
    "\"urls\":[],\"flink\":{\"role\":\"safety-net-wrapper\",\"resolve_order\":null,"
    "\"job_id\":null,\"wrapper_id\":null,\"inner_id\":3},\"classes_defined\":0,"
    "\"classes_live\":0,\"hidden_classes_defined\":0,\"hidden_classes_live\":0,"
    "\"metaspace_bytes\":null,\"state\":\"closed\",\"first_seen_ms\":811,"
    "\"last_define_ms\":null,\"closed_ms\":1100,\"leaked_ms\":null,\"unloaded_ms\":null,"
    "\"gcs_since_close\":0}",

    "{\"id\":5,\"class\":\"java.net.URLClassLoader\",\"name\":\"leaky\","
    "\"identity_hash\":\"ffffffff\",\"parent_id\":0,\"urls\":[\"file:/tmp/leaky.jar\"],"
    "\"flink\":null,\"classes_defined\":10,\"classes_live\":0,\"hidden_classes_defined\":2,"
    "\"hidden_classes_live\":0,\"metaspace_bytes\":0,\"state\":\"unloaded\","
    "\"first_seen_ms\":900,\"last_define_ms\":1150,\"closed_ms\":1200,\"leaked_ms\":1600,"
    "\"unloaded_ms\":2000,\"gcs_since_close\":2}",

    "{\"id\":6,\"class\":\"jdk.internal.reflect.DelegatingClassLoader\",\"name\":null,"
    "\"identity_hash\":\"0\",\"parent_id\":1,\"urls\":[],\"flink\":null,\"classes_defined\":1,"
    "\"classes_live\":0,\"hidden_classes_defined\":0,\"hidden_classes_live\":0,"
    "\"metaspace_bytes\":null,\"state\":\"unloaded\",\"first_seen_ms\":950,"
    "\"last_define_ms\":951,\"closed_ms\":null,\"leaked_ms\":null,\"unloaded_ms\":1800,"
    "\"gcs_since_close\":null}",

    "{\"id\":7,\"class\":\"org.apache.flink.core.plugin.PluginLoader$PluginClassLoader\","
    "\"name\":null,\"identity_hash\":\"2a139a55\",\"parent_id\":null,"
    "\"urls\":[\"file:/opt/flink/plugins/s3/flink-s3-fs-hadoop.jar\"],"
    "\"flink\":{\"role\":\"plugin\",\"resolve_order\":null,\"job_id\":null,\"wrapper_id\":null,"
    "\"inner_id\":null},\"classes_defined\":30,\"classes_live\":30,"
    "\"hidden_classes_defined\":0,\"hidden_classes_live\":0,\"metaspace_bytes\":null,"
    "\"state\":\"live\",\"first_seen_ms\":20,\"last_define_ms\":700,\"closed_ms\":null,"
    "\"leaked_ms\":null,\"unloaded_ms\":null,\"gcs_since_close\":null}",
};

static const char *const LEAKS_FULL[] = {
    "{\"loader_id\":3,\"class\":\"org.apache.flink.util.ChildFirstClassLoader\",\"name\":null,"
    "\"identity_hash\":\"abc\",\"job_id\":\"" JOB "\",\"wrapper_id\":4,"
    "\"urls\":[\"" BLOB_URL "\"],\"classes_live\":50,\"metaspace_bytes\":123456,"
    "\"closed_ms\":1020,\"leaked_ms\":1533,\"unloaded_ms\":null,\"proof\":\"full-gc\","
    "\"gcs_since_close\":1}",

    "{\"loader_id\":5,\"class\":\"java.net.URLClassLoader\",\"name\":\"leaky\","
    "\"identity_hash\":\"ffffffff\",\"job_id\":null,\"wrapper_id\":null,"
    "\"urls\":[\"file:/tmp/leaky.jar\"],\"classes_live\":0,\"metaspace_bytes\":0,"
    "\"closed_ms\":1200,\"leaked_ms\":1600,\"unloaded_ms\":2000,\"proof\":\"full-gc\","
    "\"gcs_since_close\":2}",
};

static void test_top_level(void **state)
{
    struct fixture *f = *state;
    static const char *const keys[] = {"schema", "trigger", "generated_at", "agent", "jvm", "gc",
                                       "metaspace", "summary", "loaders", "leaks", "dropped"};

    assert_true(cJSON_IsObject(f->root));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        get(f->root, keys[i]);
    expect_subset(f->root, "report",
                  "{\"schema\":\"metaleak-report/1\",\"trigger\":\"leak\","
                  "\"generated_at\":\"2026-11-23T07:43:34.123Z\",\"flink_config\":null}");
    assert_true(cJSON_IsArray(get(f->root, "loaders")));
    assert_true(cJSON_IsArray(get(f->root, "leaks")));
}

static void test_agent_jvm_gc(void **state)
{
    struct fixture *f = *state;
    const cJSON *agent = get(f->root, "agent");

    expect_subset(agent, "agent", "{\"version\":\"0.1.0\",\"attached\":false}");
    /* the expanded report path, not the template; no `config` */
    expect_subset(get(agent, "options"), "agent.options",
                  "{\"report\":\"/tmp/metaleak-4242.json\",\"interval\":30,\"leak_gcs\":1,"
                  "\"verify_on_exit\":true,\"log\":\"debug\",\"max_loaders\":16,\"history\":1}");
    assert_null(cJSON_GetObjectItemCaseSensitive(get(agent, "options"), "config"));
    expect_subset(get(f->root, "jvm"), "jvm",
                  "{\"pid\":4242,\"java_version\":\"17.0.15\","
                  "\"vm_name\":\"OpenJDK 64-Bit Server VM\",\"uptime_ms\":5321,"
                  "\"start_epoch_ms\":1795419808802}");
    expect_subset(get(f->root, "gc"), "gc",
                  "{\"collectors\":[\"G1 Young Generation\",\"G1 Old Generation\","
                  "\"G1 Concurrent GC\"],\"full_collectors\":[\"G1 Old Generation\"],"
                  "\"concurrent\":false,\"full_gcs\":5,\"gc_pauses\":17}");
    expect_subset(get(f->root, "metaspace"), "metaspace",
                  "{\"used_bytes\":123456789,\"committed_bytes\":130000000,\"max_bytes\":null,"
                  "\"reserved_bytes\":null,\"source\":\"unavailable: unit test\","
                  "\"hidden_class_bytes\":null,\"compressed_class_space\":null,"
                  "\"verdict\":null,\"samples\":[]}");
}

static void test_summary_and_dropped(void **state)
{
    struct fixture *f = *state;
    const cJSON *s = get(f->root, "summary");

    expect_subset(s, "summary",
                  "{\"loaders_total\":8,\"loaders_live\":3,\"loaders_closed\":2,"
                  "\"leaked_loaders\":2,\"loaders_unloaded\":2,\"classes_defined\":1793,"
                  "\"classes_live\":1780,\"hidden_classes_live\":32}");
    expect_subset(get(f->root, "dropped"), "dropped",
                  "{\"loaders\":1,\"urls\":1,\"unloaded_history\":1}");
    /* the contract's identities */
    assert_int_equal(cJSON_GetArraySize(get(f->root, "loaders")),
                     get(s, "loaders_total")->valuedouble);
    assert_int_equal(cJSON_GetArraySize(get(f->root, "leaks")),
                     get(s, "leaked_loaders")->valuedouble);
}

static void test_loaders(void **state)
{
    struct fixture *f = *state;
    const cJSON *loaders = get(f->root, "loaders"), *urls;
    size_t n = sizeof(LOADERS_FULL) / sizeof(LOADERS_FULL[0]);

    assert_int_equal(cJSON_GetArraySize(loaders), n);
    for (size_t i = 0; i < n; i++) {
        char what[32];

        snprintf(what, sizeof(what), "loaders[%zu]", i);
        expect_subset(cJSON_GetArrayItem(loaders, (int)i), what, LOADERS_FULL[i]);
    }
    urls = get(cJSON_GetArrayItem(loaders, 2), "urls");
    assert_int_equal(cJSON_GetArraySize(urls), 2);   /* the 2049-byte URL was dropped */
    assert_string_equal(cJSON_GetArrayItem(urls, 0)->valuestring, "file:/tmp/plugin.jar");
    assert_string_equal(cJSON_GetArrayItem(urls, 1)->valuestring, RF_ODD_URL);
}

static void test_leaks(void **state)
{
    struct fixture *f = *state;
    const cJSON *leaks = get(f->root, "leaks");
    size_t n = sizeof(LEAKS_FULL) / sizeof(LEAKS_FULL[0]);

    assert_int_equal(cJSON_GetArraySize(leaks), n);
    for (size_t i = 0; i < n; i++) {
        char what[32];

        snprintf(what, sizeof(what), "leaks[%zu]", i);
        expect_subset(cJSON_GetArrayItem(leaks, (int)i), what, LEAKS_FULL[i]);
    }
}

/* Integers are printed as integers (no exponent, no fraction), also above 2^32. */
static void test_integers_printed_exactly(void **state)
{
    struct fixture *f = *state;

    assert_non_null(strstr(f->text, "5000000000"));
    assert_non_null(strstr(f->text, "1795419808802"));
    assert_null(strstr(f->text, "e+"));
    assert_null(strstr(f->text, "E+"));
    assert_null(strstr(f->text, ".0,"));
}

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    char *again = cJSON_PrintUnformatted(f->root);
    cJSON *reparsed = cJSON_Parse(again);
    struct ml_rfile rf;
    char err[ML_ERRBUF] = "";

    assert_non_null(reparsed);
    assert_true(cJSON_Compare(f->root, reparsed, true));
    cJSON_Delete(reparsed);
    cJSON_free(again);

    /* the CLI's reader accepts the report and reads the same numbers */
    if (ml_rfile_parse("fixture.json", f->text, strlen(f->text), &rf, err, sizeof(err)) != ML_OK)
        fail_msg("ml_rfile_parse: %s", err);
    assert_string_equal(rf.trigger, "leak");
    assert_string_equal(rf.generated_at, "2026-11-23T07:43:34.123Z");
    assert_int_equal(rf.pid, 4242);
    assert_string_equal(rf.java_version, "17.0.15");
    assert_int_equal(rf.uptime_ms, 5321);
    assert_int_equal(rf.start_epoch_ms, 1795419808802LL);
    assert_int_equal(rf.metaspace_used, 123456789);
    assert_int_equal(rf.metaspace_max, -1);
    assert_int_equal(rf.loaders_live, 3);
    assert_int_equal(rf.leaked_loaders, 2);
    assert_int_equal(rf.loaders_unloaded, 2);
    assert_int_equal(rf.classes_live, 1780);
    assert_int_equal(rf.n_loaders, 8);
    assert_int_equal(rf.n_leaks, 2);
    assert_int_equal(rf.leaks[0].loader_id, 3);
    assert_string_equal(rf.leaks[0].class_name, "org.apache.flink.util.ChildFirstClassLoader");
    assert_string_equal(rf.leaks[0].identity_hash, "abc");
    assert_string_equal(rf.leaks[0].job_id, JOB);
    assert_int_equal(rf.leaks[0].n_urls, 1);
    assert_string_equal(rf.leaks[0].urls[0], BLOB_URL);
    assert_string_equal(rf.leaks[0].proof, "full-gc");
    assert_int_equal(rf.leaks[0].metaspace_bytes, 123456);
    assert_int_equal(rf.leaks[0].unloaded_ms, -1);
    assert_int_equal(rf.leaks[1].loader_id, 5);
    assert_null(rf.leaks[1].job_id);
    assert_int_equal(rf.leaks[1].unloaded_ms, 2000);
    assert_int_equal(rf.leaks[1].gcs_since_close, 2);
    assert_int_equal(rf.loaders[1].metaspace_bytes, 5000000000LL);
    assert_string_equal(rf.loaders[5].state, "unloaded");
    ml_rfile_release(&rf);
}

static void test_boot_only(void **state)
{
    struct fixture *f = *state;
    const cJSON *loaders = get(f->root, "loaders");

    expect_subset(f->root, "report", "{\"trigger\":\"exit\",\"leaks\":[]}");
    expect_subset(get(f->root, "agent"), "agent", "{\"attached\":true}");
    expect_subset(get(get(f->root, "agent"), "options"), "agent.options",
                  "{\"max_loaders\":100000,\"history\":1000}");
    expect_subset(get(f->root, "jvm"), "jvm",
                  "{\"pid\":4242,\"java_version\":null,\"vm_name\":null,\"uptime_ms\":0}");
    expect_subset(get(f->root, "gc"), "gc",
                  "{\"collectors\":[],\"full_collectors\":[],\"concurrent\":false,"
                  "\"full_gcs\":0,\"gc_pauses\":0}");
    expect_subset(get(f->root, "metaspace"), "metaspace",
                  "{\"used_bytes\":null,\"committed_bytes\":null,\"max_bytes\":null,"
                  "\"source\":null}");
    expect_subset(get(f->root, "summary"), "summary",
                  "{\"loaders_total\":1,\"loaders_live\":1,\"loaders_closed\":0,"
                  "\"leaked_loaders\":0,\"loaders_unloaded\":0,\"classes_defined\":0,"
                  "\"classes_live\":0,\"hidden_classes_live\":0}");
    expect_subset(get(f->root, "dropped"), "dropped",
                  "{\"loaders\":0,\"urls\":0,\"unloaded_history\":0}");
    assert_int_equal(cJSON_GetArraySize(loaders), 1);
    expect_subset(cJSON_GetArrayItem(loaders, 0), "loaders[0]",
                  "{\"id\":0,\"class\":\"<bootstrap>\",\"identity_hash\":null,"
                  "\"parent_id\":null,\"urls\":[],\"flink\":null,\"classes_defined\":0,"
                  "\"state\":\"live\",\"last_define_ms\":null,\"gcs_since_close\":null}");
}

static void test_extras(void **state)
{
    struct fixture *f = *state;
    const cJSON *ms = get(f->root, "metaspace");
    const cJSON *conf = get(f->root, "flink_config");

    expect_subset(get(f->root, "gc"), "gc", "{\"concurrent\":true}");
    expect_subset(ms, "metaspace",
                  "{\"used_bytes\":123456789,\"committed_bytes\":130000000,"
                  "\"max_bytes\":268435456,\"reserved_bytes\":1090519040,"
                  "\"source\":\"hotspot: VM.metaspace show-loaders\",\"hidden_class_bytes\":4096,"
                  "\"compressed_class_space\":{\"used_bytes\":20000000,"
                  "\"committed_bytes\":21000000,\"max_bytes\":1073741824},"
                  "\"verdict\":\"leak\",\"verdict_reason\":\"2 leaked loaders hold 123456 bytes\","
                  "\"advice\":null,\"baseline_growth_bytes\":20000000,"
                  "\"forecast\":{\"bytes_per_leaked_loader\":61728,\"submissions_left\":null,"
                  "\"ms_left\":null},"
                  "\"samples\":[{\"t_ms\":1000,\"used_bytes\":100000000,"
                  "\"committed_bytes\":110000000,\"loaders_live\":5,\"classes_live\":1700,"
                  "\"after_full_gc\":true},"
                  "{\"t_ms\":2000,\"used_bytes\":120000000,\"committed_bytes\":125000000,"
                  "\"loaders_live\":6,\"classes_live\":1750,\"after_full_gc\":false},"
                  "{\"t_ms\":3000,\"used_bytes\":null,\"committed_bytes\":null,"
                  "\"loaders_live\":6,\"classes_live\":1780,\"after_full_gc\":true}]}");
    expect_subset(conf, "flink_config",
                  "{\"file\":\"/opt/flink/conf/config.yaml\",\"error\":null,"
                  "\"values\":{\"taskmanager.memory.jvm-metaspace.size\":\"256m\","
                  "\"classloader.resolve-order\":\"child-first\","
                  "\"classloader.parent-first-patterns.default\":null,"
                  "\"classloader.parent-first-patterns.additional\":null,"
                  "\"classloader.check-leaked-classloader\":null,"
                  "\"classloader.fail-on-metaspace-oom-error\":null}}");
    /* the loaders are the same as without the extras */
    expect_subset(cJSON_GetArrayItem(get(f->root, "loaders"), 3), "loaders[3]", LOADERS_FULL[3]);
}

/* generated_at: UTC with milliseconds, whatever the local time zone. */
static void test_generated_at(void **state)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {5, "1970-01-01T00:00:00.005Z"},
        {999, "1970-01-01T00:00:00.999Z"},
        {951868799999LL, "2000-02-29T23:59:59.999Z"},
        {1795419814123LL, "2026-11-23T07:43:34.123Z"},
        {4102444800000LL, "2100-01-01T00:00:00.000Z"},
    };
    struct rf_fixture rf;
    int failures = 0;
    const char *tz = getenv("TZ");
    char *saved_tz = tz ? strdup(tz) : NULL;

    (void)state;
    setenv("TZ", "XXX+09:00", 1);
    tzset();
    assert_int_equal(rf_build(&rf, RF_BOOT_ONLY), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text;
        cJSON *root;
        const cJSON *g;

        rf.meta.generated_at_epoch_ms = cases[i].ms;
        text = ml_report_render(rf.reg, &rf.meta);
        assert_non_null(text);
        root = cJSON_Parse(text);
        assert_non_null(root);
        g = cJSON_GetObjectItemCaseSensitive(root, "generated_at");
        if (!cJSON_IsString(g) || strcmp(g->valuestring, cases[i].text) != 0)
            TU_ROW_FAIL(failures, "%lld ms: '%s', want '%s'", (long long)cases[i].ms,
                        cJSON_IsString(g) ? g->valuestring : "(not a string)", cases[i].text);
        cJSON_Delete(root);
        free(text);
    }
    rf_release(&rf);
    if (saved_tz != NULL)
        setenv("TZ", saved_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved_tz);
    assert_int_equal(failures, 0);
}

/* Every trigger name the contract lists is written as given. */
static void test_triggers(void **state)
{
    static const char *const triggers[] = {"exit", "interval", "leak", "metaspace-oom",
                                           "request"};
    struct rf_fixture rf;

    (void)state;
    assert_int_equal(rf_build(&rf, RF_BOOT_ONLY), 0);
    for (size_t i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++) {
        char *text;
        cJSON *root;

        rf.meta.trigger = triggers[i];
        text = ml_report_render(rf.reg, &rf.meta);
        assert_non_null(text);
        root = cJSON_Parse(text);
        assert_non_null(root);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "trigger")->valuestring,
                            triggers[i]);
        cJSON_Delete(root);
        free(text);
    }
    rf_release(&rf);
}

/* loaders[] is ordered by id, also when a newer loader took an older one's slot. */
static void test_loaders_sorted_by_id(void **state)
{
    struct ml_registry *reg = ml_registry_new(16, 0);
    struct ml_options opts;
    struct ml_report_meta meta;
    struct ml_loader *l[4];
    static const double want[] = {0, 2, 3, 4, 5};
    const cJSON *loaders;
    char *text;
    cJSON *root;

    (void)state;
    assert_non_null(reg);
    for (int i = 0; i < 3; i++) {
        l[i] = ml_registry_add(reg, i);
        assert_non_null(l[i]);
        l[i]->class_name = strdup("java.net.URLClassLoader");
    }
    ml_verdict_unload(&l[0]->verdict, 10);
    ml_registry_note_unloaded(reg, l[0]);     /* history 0: slot 1 is free again */
    l[3] = ml_registry_add(reg, 11);          /* id 4 in slot 1 */
    assert_non_null(l[3]);
    assert_int_equal(l[3]->slot, 1);
    l[3]->class_name = strdup("java.net.URLClassLoader");
    assert_non_null(ml_registry_add(reg, 12)); /* id 5, slot 4, no class name */
    ml_registry_find_id(reg, 5)->class_name = strdup("x.Y");

    ml_options_defaults(&opts);
    memset(&meta, 0, sizeof(meta));
    meta.trigger = "request";
    meta.agent_version = "0.1.0";
    meta.opts = &opts;
    meta.report_file = "r.json";
    meta.pid = 1;
    meta.metaspace_used = meta.metaspace_committed = meta.metaspace_max = -1;
    meta.class_space_used = meta.metaspace_reserved = meta.hidden_class_bytes = -1;
    text = ml_report_render(reg, &meta);
    assert_non_null(text);
    root = cJSON_Parse(text);
    assert_non_null(root);
    loaders = cJSON_GetObjectItemCaseSensitive(root, "loaders");
    assert_int_equal(cJSON_GetArraySize(loaders), 5);
    for (int i = 0; i < 5; i++)
        assert_true(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(loaders, i), "id")
                        ->valuedouble == want[i]);
    expect_subset(get(root, "dropped"), "dropped",
                  "{\"loaders\":0,\"urls\":0,\"unloaded_history\":1}");
    cJSON_Delete(root);
    free(text);
    ml_registry_free(reg);
}

/* Signatures and known library leaks in leaks[] and paths.groups (the extras give loader 3 the
 * path of MySQL's cleanup thread and loader 5 a thread of the job's own), and the CLI's reader
 * reads back what was rendered. */
static void test_known_leaks(void **state)
{
    struct fixture *f = *state;
    const cJSON *leaks = get(f->root, "leaks"), *groups = get(get(f->root, "paths"), "groups");
    const cJSON *mysql = cJSON_GetArrayItem(leaks, 0), *own = cJSON_GetArrayItem(leaks, 1);
    const cJSON *k = get(mysql, "known"), *sig = get(mysql, "signature");
    struct ml_rfile rf;
    char err[ML_ERRBUF];

    assert_true(cJSON_IsString(sig));
    assert_int_equal(strlen(sig->valuestring), 16);
    assert_int_equal(strspn(sig->valuestring, "0123456789abcdef"), 16);
    expect_subset(k, "leaks[0].known",
                  "{\"id\":\"mysql-abandoned-connection-cleanup-thread\","
                  "\"library\":\"com.mysql:mysql-connector-j\",\"fixed_in\":null}");
    assert_true(cJSON_GetArraySize(get(k, "references")) >= 1);
    assert_non_null(strstr(get(k, "title")->valuestring, "Connector/J"));
    /* the advice leads with the known fix, then the cause's general advice */
    {
        static const char want[] = "Known library leak mysql-abandoned-connection-cleanup-thread "
                                   "(com.mysql:mysql-connector-j; no fixed release): Put "
                                   "mysql-connector-j into Flink's lib/";

        assert_int_equal(strncmp(get(mysql, "advice")->valuestring, want, sizeof(want) - 1), 0);
    }
    assert_non_null(strstr(get(mysql, "advice")->valuestring, " In general: Thread '"));
    /* the job's own thread: signed, not a known leak */
    assert_true(cJSON_IsNull(get(own, "known")));
    assert_true(cJSON_IsString(get(own, "signature")));
    assert_string_not_equal(get(own, "signature")->valuestring, sig->valuestring);
    assert_int_equal(strncmp(get(own, "advice")->valuestring, "Thread 'poller-1'", 17), 0);
    /* one group per signature, the most Metaspace first */
    assert_int_equal(cJSON_GetArraySize(groups), 2);
    expect_subset(cJSON_GetArrayItem(groups, 0), "groups[0]",
                  "{\"cause\":\"thread\",\"loader_ids\":[3],\"count\":1,"
                  "\"known_id\":\"mysql-abandoned-connection-cleanup-thread\","
                  "\"metaspace_bytes\":123456}");
    assert_string_equal(get(cJSON_GetArrayItem(groups, 0), "signature")->valuestring,
                        sig->valuestring);
    expect_subset(cJSON_GetArrayItem(groups, 1), "groups[1]",
                  "{\"loader_ids\":[5],\"count\":1,\"known_id\":null,\"metaspace_bytes\":0}");

    /* What the CLI reads. (Without the extras' samples: the reader refuses the sample whose
     * used_bytes is null, which the schema allows; reported.) */
    {
        cJSON *copy = cJSON_Duplicate(f->root, true);
        char *text;

        assert_non_null(copy);
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "metaspace"),
                                                "samples");
        text = cJSON_PrintUnformatted(copy);
        cJSON_Delete(copy);
        assert_non_null(text);
        if (ml_rfile_parse("r.json", text, strlen(text), &rf, err, sizeof(err)) != ML_OK)
            fail_msg("%s", err);
        cJSON_free(text);
    }
    assert_int_equal(rf.n_leaks, 2);
    assert_string_equal(rf.leaks[0].signature, sig->valuestring);
    assert_non_null(rf.leaks[0].known);
    assert_string_equal(rf.leaks[0].known->id, "mysql-abandoned-connection-cleanup-thread");
    assert_string_equal(rf.leaks[0].known->library, "com.mysql:mysql-connector-j");
    assert_null(rf.leaks[0].known->fixed_in);
    assert_int_equal(rf.leaks[0].known->n_references,
                     (size_t)cJSON_GetArraySize(get(k, "references")));
    assert_null(rf.leaks[1].known);
    assert_non_null(rf.leaks[1].signature);
    assert_int_equal(rf.n_path_groups, 2);
    assert_string_equal(rf.path_groups[0].signature, sig->valuestring);
    ml_rfile_release(&rf);
}

/* paths.groups: loaders with one signature form one group (whatever their thread names), groups
 * are ordered by the Metaspace they hold (unmeasured last), then by their size. */
static void test_groups_by_signature(void **state)
{
    struct ml_registry *reg = ml_registry_new(16, 0);
    struct ml_options opts;
    struct ml_report_meta meta;
    static const int64_t bytes[] = {100, 1000, 200, -1, -1, -1};
    const cJSON *groups;
    char *text;
    cJSON *root;

    (void)state;
    assert_non_null(reg);
    for (int i = 0; i < 6; i++) {
        struct ml_loader *l = ml_registry_add(reg, i);

        assert_non_null(l);
        l->class_name = strdup("java.net.URLClassLoader");
        l->metaspace_bytes = bytes[i];
        ml_verdict_close(&l->verdict, 10, 0);
        ml_verdict_gc(&l->verdict, 2, 1, true, 20);
        assert_true(l->verdict.leaked);
    }
    /* ids 1 and 3: MySQL's cleanup thread (300 bytes); 2: a job thread (1000 bytes); 4, 5 and 6:
     * another job thread of three submissions, unmeasured, differently numbered */
    assert_int_equal(rf_thread_path(ml_registry_find_id(reg, 1), "java.lang.Thread",
                                    "mysql-cj-abandoned-connection-cleanup",
                                    "contextClassLoader", ML_OBJ_LOADER, "x.Loader"), 0);
    assert_int_equal(rf_thread_path(ml_registry_find_id(reg, 3), "java.lang.Thread",
                                    "mysql-cj-abandoned-connection-cleanup",
                                    "contextClassLoader", ML_OBJ_LOADER, "x.Loader"), 0);
    assert_int_equal(rf_thread_path(ml_registry_find_id(reg, 2), "job.Poller", "poller-1",
                                    "target", ML_OBJ_INSTANCE, "job.Poller$Loop"), 0);
    for (uint64_t id = 4; id <= 6; id++) {
        char name[32];

        snprintf(name, sizeof(name), "worker-%d", (int)(id * 7));
        assert_int_equal(rf_thread_path(ml_registry_find_id(reg, id), "java.lang.Thread", name,
                                        "contextClassLoader", ML_OBJ_LOADER, "x.Loader"), 0);
    }
    ml_options_defaults(&opts);
    memset(&meta, 0, sizeof(meta));
    meta.trigger = "request";
    meta.agent_version = "0.2.1";
    meta.opts = &opts;
    meta.report_file = "r.json";
    meta.pid = 1;
    meta.metaspace_used = meta.metaspace_committed = meta.metaspace_max = -1;
    meta.class_space_used = meta.metaspace_reserved = meta.hidden_class_bytes = -1;
    text = ml_report_render(reg, &meta);
    assert_non_null(text);
    root = cJSON_Parse(text);
    assert_non_null(root);
    groups = get(get(root, "paths"), "groups");
    assert_int_equal(cJSON_GetArraySize(groups), 3);
    expect_subset(cJSON_GetArrayItem(groups, 0), "groups[0]",
                  "{\"loader_ids\":[2],\"count\":1,\"metaspace_bytes\":1000,\"known_id\":null}");
    expect_subset(cJSON_GetArrayItem(groups, 1), "groups[1]",
                  "{\"loader_ids\":[1,3],\"count\":2,\"metaspace_bytes\":300,"
                  "\"known_id\":\"mysql-abandoned-connection-cleanup-thread\"}");
    expect_subset(cJSON_GetArrayItem(groups, 2), "groups[2]",
                  "{\"loader_ids\":[4,5,6],\"count\":3,\"metaspace_bytes\":null,"
                  "\"known_id\":null}");
    cJSON_Delete(root);
    free(text);
    ml_registry_free(reg);
}

/* Was a bug (fixed): a loader whose class name is unknown (registered, then freed before it could be
 * named; or ml_inspect_class failed after ml_registry_add) is rendered with "class": null, but
 * docs/report.schema.json requires a non-empty string in loaders[].class. */
static void test_class_null_when_never_read(void **state)
{
    struct rf_fixture rf;
    char *text;
    cJSON *root;
    const cJSON *l, *cls;

    (void)state;
    assert_int_equal(rf_build(&rf, RF_UNINSPECTED), 0);
    text = ml_report_render(rf.reg, &rf.meta);
    assert_non_null(text);
    root = cJSON_Parse(text);
    assert_non_null(root);
    l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "loaders"), 8);
    assert_non_null(l);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(l, "id")->valuedouble, 9);
    cls = cJSON_GetObjectItemCaseSensitive(l, "class");
    free(text);
    rf_release(&rf);
    /* A loader whose class was never read has class null (allowed by the schema). */
    if (!cJSON_IsNull(cls)) {
        cJSON_Delete(root);
        fail_msg("loaders[8].class is not null");
    }
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_top_level, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_agent_jvm_gc, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_summary_and_dropped, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_loaders, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_leaks, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_integers_printed_exactly, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_boot_only, setup_boot_only, teardown),
        cmocka_unit_test_setup_teardown(test_extras, setup_extras, teardown),
        cmocka_unit_test(test_generated_at),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_loaders_sorted_by_id),
        cmocka_unit_test(test_class_null_when_never_read),
        cmocka_unit_test_setup_teardown(test_known_leaks, setup_extras, teardown),
        cmocka_unit_test(test_groups_by_signature),
    };

    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
