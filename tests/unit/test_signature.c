/* CMocka tests of src/signature.c: the signature of a leak's reference path, on the paths the
 * agent recorded for the known library leaks (tests/knownleaks/paths: every submission of a job
 * must give one signature) and on hand-written variations (what must not change it: indices,
 * map keys, thread numbers, hidden-class suffixes, a hook found before or after the JVM started
 * it; what must: another field, another owned class, another root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/signature.h"
#include "path_fixture.h"
#include "testutil.h"

/* FNV-1a of "metaleak-signature/1\n" and the text below, computed apart (Python). */
#define PINNED_SIGNATURE "e9ee0ccf4c505d18"

static void sig(const struct ml_path *p, char out[ML_SIGNATURE_LEN + 1])
{
    assert_true(ml_path_signature(p, out));
    assert_int_equal(strlen(out), ML_SIGNATURE_LEN);
    for (const char *c = out; *c != '\0'; c++)
        assert_true((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
}

/* The signature of a path given as the JSON of a report's "path". */
static void sig_json(const char *json, char out[ML_SIGNATURE_LEN + 1])
{
    struct ml_path p;

    pf_path_from_json(json, &p);
    sig(&p, out);
    ml_path_clear(&p);
}

/* Every fixture: all leaks of one scenario (the submissions of one job) have one signature,
 * except those the agent attributes to something else than the library (a JNI global
 * reference of the JDK on JDK 17, which pins the last loader: a verdict defect, reported). */
static void test_fixture_submissions_share_a_signature(void **state)
{
    char **names = pf_list();
    size_t files = 0;

    (void)state;
    for (size_t f = 0; names[f] != NULL; f++) {
        size_t n;
        struct pf_leak *leaks = pf_load(names[f], &n);
        char first[ML_SIGNATURE_LEN + 1] = "";

        for (size_t i = 0; i < n; i++) {
            char s[ML_SIGNATURE_LEN + 1];

            if (leaks[i].path.steps[0].ref == ML_REF_ROOT_JNI_GLOBAL)
                continue;
            sig(&leaks[i].path, s);
            if (first[0] == '\0')
                memcpy(first, s, sizeof(first));
            else if (strcmp(first, s) != 0) {
                char *a = ml_path_signature_text(&leaks[0].path);
                char *b = ml_path_signature_text(&leaks[i].path);

                fail_msg("%s: leak %zu has signature %s, leak 0 %s\n--- 0:\n%s--- %zu:\n%s",
                         names[f], i, s, first, a, i, b);
            }
        }
        assert_true(first[0] != '\0');
        pf_free(leaks, n);
        files++;
    }
    assert_true(files >= 15);
    pf_free_names(names);
}

/* Distinct leaks have distinct signatures: one per scenario (and JDK), no two alike, except
 * scenarios that reproduce the same leak (two versions of one library). */
static void test_fixture_leaks_differ(void **state)
{
    static const char *const same[][2] = {
        {"hadoop-acc-lib.", "hadoop-acc-lib-3.4.1."},
        {"netty-global-executor-lib.", "netty-global-executor-lib-4.1.118."},
        {"kafka-consumer.", "kafka-producer."},     /* both: a KafkaMbean of a client */
        {"mysql-driver.", "mysql-driver-registered."},
    };
    char **names = pf_list();
    char sigs[64][ML_SIGNATURE_LEN + 1];
    size_t n_files = 0;

    (void)state;
    for (size_t f = 0; names[f] != NULL; f++) {
        size_t n;
        struct pf_leak *leaks = pf_load(names[f], &n);

        assert_true(f < 64);
        sig(&leaks[0].path, sigs[f]);
        pf_free(leaks, n);
        n_files++;
    }
    for (size_t a = 0; a < n_files; a++)
        for (size_t b = a + 1; b < n_files; b++) {
            bool allowed = false;
            const char *jdk_a = strstr(names[a], ".java-") ? strstr(names[a], ".java-")
                                                            : strstr(names[a], ".temurin-");
            const char *jdk_b = strstr(names[b], ".java-") ? strstr(names[b], ".java-")
                                                            : strstr(names[b], ".temurin-");

            if (strcmp(sigs[a], sigs[b]) != 0)
                continue;
            for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++)
                for (int d = 0; d < 2; d++)
                    allowed = allowed || (strncmp(names[a], same[k][d], strlen(same[k][d])) == 0 &&
                                          strncmp(names[b], same[k][1 - d],
                                                  strlen(same[k][1 - d])) == 0);
            /* The same scenario on two JDKs may share its signature too. */
            if (!allowed && jdk_a != NULL && jdk_b != NULL &&
                (size_t)(jdk_a - names[a]) == (size_t)(jdk_b - names[b]) &&
                strncmp(names[a], names[b], (size_t)(jdk_a - names[a])) == 0)
                allowed = true;
            if (!allowed)
                fail_msg("%s and %s share the signature %s", names[a], names[b], sigs[a]);
        }
    pf_free_names(names);
}

/* The canonical text of a recorded path, and its signature, are pinned: a change of the
 * algorithm changes every signature in every baseline, so it must be deliberate (a new
 * "metaleak-signature/N"). */
static void test_pinned_text_and_value(void **state)
{
    size_t n;
    struct pf_leak *leaks = pf_load("hadoop-reflection-cache.java-17-openjdk-amd64.json", &n);
    char *text = ml_path_signature_text(&leaks[0].path);
    char s[ML_SIGNATURE_LEN + 1];

    (void)state;
    assert_non_null(text);
    assert_string_equal(text, "root class\n"
                              "class org.apache.hadoop.util.ReflectionUtils\n"
                              "org.apache.hadoop.util.ReflectionUtils.CONSTRUCTOR_CACHE\n"
                              "~\n"
                              "owned class job.HadoopCodecJob$JobCodec\n");
    sig(&leaks[0].path, s);
    assert_string_equal(s, PINNED_SIGNATURE);
    free(text);
    pf_free(leaks, n);
}

/* Kafka: two submissions reach different MBeans (app-info, producer-metrics) through different
 * map keys and bucket indices; Jackson: one through the eviction deque's first node, one
 * through its last. One signature each. */
static void test_collections_are_one_token(void **state)
{
    size_t n;
    struct pf_leak *leaks = pf_load("jackson-typefactory-lib.java-17-openjdk-amd64.json", &n);
    char *text = ml_path_signature_text(&leaks[0].path);

    (void)state;
    assert_non_null(text);
    assert_non_null(strstr(text, "com.fasterxml.jackson.databind.type.TypeFactory._typeCache\n"
                                 "~ com.fasterxml.jackson.databind.util.LRUMap\n"
                                 "~ com.fasterxml.jackson.databind.util.internal."
                                 "PrivateMaxEntriesMap\n"));
    assert_null(strstr(text, "first"));
    free(text);
    pf_free(leaks, n);
    leaks = pf_load("kafka-producer.java-17-openjdk-amd64.json", &n);
    text = ml_path_signature_text(&leaks[0].path);
    assert_non_null(text);
    assert_string_equal(text, "root class\n"
                              "class java.lang.management.ManagementFactory\n"
                              "java.lang.management.ManagementFactory.platformMBeanServer\n"
                              "com.sun.jmx.mbeanserver.JmxMBeanServer.mbsInterceptor\n"
                              "com.sun.jmx.interceptor.DefaultMBeanServerInterceptor.repository\n"
                              "com.sun.jmx.mbeanserver.Repository.domainTb\n"
                              "~\n"
                              "com.sun.jmx.mbeanserver.NamedObject.object\n"
                              "owned org.apache.kafka.common.metrics.JmxReporter$KafkaMbean\n");
    free(text);
    pf_free(leaks, n);
}

#define HOOK_IN_RUN                                                                               \
    "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.ApplicationShutdownHooks\"," \
    "\"owned\":false},"                                                                           \
    "{\"ref\":\"static-field\",\"field\":\"hooks\",\"object\":\"instance\","                     \
    "\"class\":\"java.util.IdentityHashMap\",\"owned\":false},"                                   \
    "{\"ref\":\"field\",\"field\":\"table\",\"object\":\"instance\",\"class\":\"java.lang.Object[]\"," \
    "\"owned\":false},"                                                                           \
    "{\"ref\":\"array-element\",\"index\":%d,\"object\":\"instance\",\"class\":\"java.lang.Thread\"," \
    "\"owned\":false},"                                                                           \
    "{\"ref\":\"field\",\"field\":\"target\",\"object\":\"instance\","                            \
    "\"class\":\"org.apache.logging.log4j.core.util.DefaultShutdownCallbackRegistry\",\"owned\":true}]"

/* A hook found while the JVM runs (ApplicationShutdownHooks.hooks, not marked), and the same
 * hook at exit (a running thread the agent marks as a hook, with its name): one signature. The
 * recorded exit path is the log4j2 fixture. */
static void test_hook_before_and_after_start(void **state)
{
    char in_run[4096], a[ML_SIGNATURE_LEN + 1], b[ML_SIGNATURE_LEN + 1], c[ML_SIGNATURE_LEN + 1];
    size_t n;
    struct pf_leak *leaks = pf_load("log4j2-shutdown-hook.java-17-openjdk-amd64.json", &n);
    struct ml_path_view v;

    (void)state;
    snprintf(in_run, sizeof(in_run), HOOK_IN_RUN, 7);
    sig_json(in_run, a);
    snprintf(in_run, sizeof(in_run), HOOK_IN_RUN, 23);
    sig_json(in_run, b);
    assert_string_equal(a, b);
    sig(&leaks[0].path, c);
    assert_string_equal(a, c);
    ml_path_view(&leaks[0].path, &v);
    assert_int_equal(v.root, ML_ROOT_SHUTDOWN_HOOK);
    assert_int_equal(v.start, 0);
    pf_free(leaks, n);
    /* The agent's own test shape: the hook is the job's (owned) in both. */
    sig_json("[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.ApplicationShutdownHooks\",\"owned\":false},"
             "{\"ref\":\"static-field\",\"field\":\"hooks\",\"object\":\"instance\",\"class\":\"java.util.IdentityHashMap\",\"owned\":false},"
             "{\"ref\":\"field\",\"field\":\"table\",\"object\":\"instance\",\"class\":\"java.lang.Object[]\",\"owned\":false},"
             "{\"ref\":\"array-element\",\"index\":0,\"object\":\"instance\",\"class\":\"plug.HookLeak$Hook\",\"owned\":true}]",
             a);
    sig_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"plug.HookLeak$Hook\",\"thread\":\"mltest-hook\","
             "\"owned\":true,\"shutdown_hook\":true}]",
             b);
    assert_string_equal(a, b);
}

#define THREAD_LOCAL                                                                              \
    "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"thread\":\"%s\",\"owned\":false}," \
    "{\"ref\":\"field\",\"field\":\"threadLocals\",\"object\":\"instance\",\"class\":\"java.lang.ThreadLocal$ThreadLocalMap\",\"owned\":false}," \
    "{\"ref\":\"field\",\"field\":\"table\",\"object\":\"instance\",\"class\":\"java.lang.ThreadLocal$ThreadLocalMap$Entry[]\",\"owned\":false}," \
    "{\"ref\":\"array-element\",\"index\":%d,\"object\":\"instance\",\"class\":\"java.lang.ThreadLocal$ThreadLocalMap$Entry\",\"owned\":false}," \
    "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"%s\",\"owned\":true}]"

static void tl(const char *thread, int index, const char *owned, char out[ML_SIGNATURE_LEN + 1])
{
    char json[4096];

    snprintf(json, sizeof(json), THREAD_LOCAL, thread, index, owned);
    sig_json(json, out);
}

/* Thread numbers, job ids and indices do not count; the thread's name otherwise does, and so
 * does the owned class. */
static void test_ids_and_numbers_do_not_count(void **state)
{
    char a[ML_SIGNATURE_LEN + 1], b[ML_SIGNATURE_LEN + 1];

    (void)state;
    tl("jobmanager-io-thread-3", 4, "job.Codec", a);
    tl("jobmanager-io-thread-17", 11, "job.Codec", b);
    assert_string_equal(a, b);
    tl("sink a3f9c0d2e1b4a5c6d7e8f9a0b1c2d3e4 (1/4)#0", 4, "job.Codec", a);
    tl("sink 0c2e9a1f77b84d6e9a0b1c2d3e4f5a6b (3/4)#2", 9, "job.Codec", b);
    assert_string_equal(a, b);
    tl("jobmanager-io-thread-3", 4, "job.Codec", a);
    tl("flink-pekko.actor.default-dispatcher-3", 4, "job.Codec", b);
    assert_string_not_equal(a, b);
    tl("jobmanager-io-thread-3", 4, "job.Codec", a);
    tl("jobmanager-io-thread-3", 4, "job.OtherCodec", b);
    assert_string_not_equal(a, b);
    /* Lambdas, proxies, hidden classes and generated accessors keep their name, not their
     * number or address. */
    tl("t", 1, "job.Main$$Lambda$14/0x0000000800c0b040", a);
    tl("t", 1, "job.Main$$Lambda/0x00007f3a1c0d2a10", b);
    assert_string_equal(a, b);
    tl("t", 1, "jdk.proxy2.$Proxy12", a);
    tl("t", 1, "jdk.proxy3.$Proxy45", b);
    assert_string_equal(a, b);
}

/* A library thread's class says what it is: its name (here a file name) does not count. A
 * java.lang.Thread is told apart by its name. */
static void test_thread_names(void **state)
{
    char a[ML_SIGNATURE_LEN + 1], b[ML_SIGNATURE_LEN + 1];

    (void)state;
    sig_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"org.h2.mvstore.FileStore$BackgroundWriterThread\","
             "\"thread\":\"MVStore background writer /data/a/lookup.mv.db\",\"owned\":true}]", a);
    sig_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"org.h2.mvstore.FileStore$BackgroundWriterThread\","
             "\"thread\":\"MVStore background writer /srv/b/users.mv.db\",\"owned\":true}]", b);
    assert_string_equal(a, b);
    sig_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"thread\":\"mysql-cj-abandoned-connection-cleanup\",\"owned\":false},"
             "{\"ref\":\"field\",\"field\":\"contextClassLoader\",\"object\":\"loader\",\"class\":\"x.Loader\",\"owned\":true}]", a);
    sig_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"thread\":\"process reaper\",\"owned\":false},"
             "{\"ref\":\"field\",\"field\":\"contextClassLoader\",\"object\":\"loader\",\"class\":\"x.Loader\",\"owned\":true}]", b);
    assert_string_not_equal(a, b);
}

/* Another field of the same holder, or another root kind, is another leak. A static field is
 * never taken for a collection hop, whatever its class is called. */
static void test_fields_and_roots_count(void **state)
{
    char a[ML_SIGNATURE_LEN + 1], b[ML_SIGNATURE_LEN + 1];

    (void)state;
    sig_json("[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"com.acme.TypeMap\",\"owned\":false},"
             "{\"ref\":\"static-field\",\"field\":\"CACHE\",\"object\":\"class\",\"class\":\"job.A\",\"owned\":true}]", a);
    sig_json("[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"com.acme.TypeMap\",\"owned\":false},"
             "{\"ref\":\"static-field\",\"field\":\"OTHER\",\"object\":\"class\",\"class\":\"job.A\",\"owned\":true}]", b);
    assert_string_not_equal(a, b);
    sig_json("[{\"ref\":\"jni-global\",\"object\":\"instance\",\"class\":\"com.acme.Holder\",\"owned\":false},"
             "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"job.A\",\"owned\":true}]", a);
    sig_json("[{\"ref\":\"monitor\",\"object\":\"instance\",\"class\":\"com.acme.Holder\",\"owned\":false},"
             "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"job.A\",\"owned\":true}]", b);
    assert_string_not_equal(a, b);
}

static void test_no_path_no_signature(void **state)
{
    struct ml_path p;
    char out[ML_SIGNATURE_LEN + 1] = "x";

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_false(ml_path_signature(&p, out));
    assert_string_equal(out, "");
    assert_null(ml_path_signature_text(&p));
}

static void test_container_words(void **state)
{
    (void)state;
    assert_true(ml_signature_is_container("java.util.HashMap$Node"));
    assert_true(ml_signature_is_container("java.lang.Object[]"));
    assert_true(ml_signature_is_container("com.fasterxml.jackson.databind.util.LRUMap"));
    assert_true(ml_signature_is_container("sun.security.jca.ProviderList"));
    assert_true(ml_signature_is_container("java.util.concurrent.ConcurrentHashMap$TreeBin"));
    assert_false(ml_signature_is_container("com.sun.jmx.mbeanserver.Repository"));
    assert_false(ml_signature_is_container("org.roaringbitmap.Bitmap"));
    assert_false(ml_signature_is_container("org.apache.avro.io.BinaryEncoder"));
    assert_false(ml_signature_is_container("java.security.ProtectionDomain"));
    assert_false(ml_signature_is_container(NULL));
}

static void test_root_kind_names(void **state)
{
    (void)state;
    for (int k = ML_ROOT_THREAD; k <= ML_ROOT_SHUTDOWN_HOOK; k++)
        assert_int_equal(ml_root_kind_parse(ml_root_kind_name((enum ml_root_kind)k)), k);
    assert_null(ml_root_kind_name(ML_ROOT_NONE));
    assert_int_equal(ml_root_kind_parse("system-class"), ML_ROOT_NONE);
    assert_int_equal(ml_root_kind_parse(NULL), ML_ROOT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_submissions_share_a_signature),
        cmocka_unit_test(test_fixture_leaks_differ),
        cmocka_unit_test(test_pinned_text_and_value),
        cmocka_unit_test(test_collections_are_one_token),
        cmocka_unit_test(test_hook_before_and_after_start),
        cmocka_unit_test(test_ids_and_numbers_do_not_count),
        cmocka_unit_test(test_thread_names),
        cmocka_unit_test(test_fields_and_roots_count),
        cmocka_unit_test(test_no_path_no_signature),
        cmocka_unit_test(test_container_words),
        cmocka_unit_test(test_root_kind_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
