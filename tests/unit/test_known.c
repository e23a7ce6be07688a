/* CMocka tests of src/known.c and src/known_load.c: the known-leaks catalogue (the compiled-in
 * table equals data/known-leaks.yaml), each recorded leak of tests/knownleaks/paths matched to
 * its entry, the leaks that must match nothing (an unknown leak, near misses), the globs, and
 * the loader's messages for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/leakid.h"
#include "metaleak/signature.h"
#include "path_fixture.h"
#include "testutil.h"

/* Which entry each scenario's leaks must match (the fixture name up to ".<jdk>.json"). */
static const struct {
    const char *scenario;
    const char *id;
} EXPECTED[] = {
    {"kafka-producer", "kafka-client-not-closed"},
    {"kafka-consumer", "kafka-client-not-closed"},
    {"hadoop-cleaner-lib", "hadoop-statistics-cleaner-context-loader"},
    {"hadoop-acc-lib", "hadoop-statistics-cleaner-access-control-context"},
    {"hadoop-acc-lib-3.4.1", "hadoop-statistics-cleaner-access-control-context"},
    {"hadoop-shell-static-exception", "hadoop-shell-static-exception"},
    {"hadoop-bundled", "hadoop-bundled-in-job-jar"},
    {"hadoop-reflection-cache", "hadoop-reflection-utils-constructor-cache"},
    {"aws-v1-metrics-mbean", "aws-sdk-v1-metric-admin-mbean"},
    {"aws-v1-reaper", "aws-sdk-v1-idle-connection-reaper"},
    {"jackson-typefactory-lib", "jackson-type-factory-cache"},
    {"mysql-driver", "mysql-abandoned-connection-cleanup-thread"},
    {"mysql-driver-registered", "mysql-driver-registered"},
    {"postgresql-connection-not-closed", "postgresql-connection-not-closed"},
    {"slf4j-jul-bridge", "slf4j-bridge-handler-installed"},
    {"log4j2-shutdown-hook", "log4j2-shutdown-callback-registry"},
    {"avro-specificdata-lib", "avro-specific-data-class-cache"},
    {"bouncycastle-provider", "bouncycastle-security-provider"},
    {"netty-global-executor-lib", "netty-global-event-executor-stack"},
    {"netty-global-executor-lib-4.1.118", "netty-global-event-executor-stack"},
    {"netty-threadlocal", "netty-internal-thread-local-map"},
    {"h2-database-not-closed", "h2-database-not-closed"},
    {"beam-deserialization-context", "beam-deserialization-context-thread-local"},
};

static const char *expected_id(const char *file)
{
    const char *jdk = strstr(file, ".java-") != NULL ? strstr(file, ".java-")
                                                     : strstr(file, ".temurin-");

    assert_non_null(jdk);
    for (size_t i = 0; i < sizeof(EXPECTED) / sizeof(EXPECTED[0]); i++)
        if (strlen(EXPECTED[i].scenario) == (size_t)(jdk - file) &&
            strncmp(file, EXPECTED[i].scenario, (size_t)(jdk - file)) == 0)
            return EXPECTED[i].id;
    fail_msg("fixture %s has no expected entry in EXPECTED", file);
    return NULL;
}

static struct ml_known_loaded *load_yaml_file(void)
{
    size_t len;
    char *text = tu_read_file(ML_KNOWN_YAML, &len);
    char err[ML_ERRBUF];
    struct ml_known_loaded *k = NULL;

    assert_non_null(text);
    if (ml_known_load(text, len, "known-leaks.yaml", &k, err, sizeof(err)) != ML_OK)
        fail_msg("%s", err);
    free(text);
    return k;
}

/* The compiled-in catalogue is data/known-leaks.yaml: same entries, same order, same texts. */
static void test_builtin_is_the_yaml(void **state)
{
    const struct ml_known_catalogue *b = ml_known_builtin();
    struct ml_known_loaded *k = load_yaml_file();
    const struct ml_known_catalogue *y = ml_known_loaded_catalogue(k);

    (void)state;
    assert_true(b->n_entries >= 15);
    assert_int_equal(b->n_entries, y->n_entries);
    for (size_t e = 0; e < b->n_entries; e++) {
        const struct ml_known_entry *x = &b->entries[e], *z = &y->entries[e];

        assert_string_equal(x->id, z->id);
        assert_string_equal(x->library, z->library);
        assert_string_equal(x->title, z->title);
        assert_string_equal(x->advice, z->advice);
        assert_true((x->fixed_in == NULL) == (z->fixed_in == NULL));
        if (x->fixed_in != NULL)
            assert_string_equal(x->fixed_in, z->fixed_in);
        assert_int_equal(x->n_match, z->n_match);
        for (size_t m = 0; m < x->n_match; m++) {
            assert_int_equal(x->match[m].roots, z->match[m].roots);
            assert_int_equal(x->match[m].n_steps, z->match[m].n_steps);
        }
        /* Every entry names its references and the jars the tests reproduce it with. */
        assert_non_null(x->references);
        assert_non_null(x->references[0]);
        assert_non_null(x->reproduced_with);
        assert_ptr_equal(ml_known_find(b, x->id), x);
    }
    assert_null(ml_known_find(b, "no-such-entry"));
    ml_known_free(k);
}

/* Each recorded leak matches its entry (the agent's JNI-global attribution of the last loader
 * on JDK 17 excepted: a verdict defect, reported), and every entry is reproduced by some
 * fixture. */
static void test_fixtures_match_their_entry(void **state)
{
    const struct ml_known_catalogue *cat = ml_known_builtin();
    char **names = pf_list();
    bool *seen = calloc(cat->n_entries, sizeof(*seen));

    (void)state;
    assert_non_null(seen);
    for (size_t f = 0; names[f] != NULL; f++) {
        size_t n, matched = 0;
        struct pf_leak *leaks = pf_load(names[f], &n);
        const char *want = expected_id(names[f]);

        for (size_t i = 0; i < n; i++) {
            const struct ml_known_entry *e = ml_known_match(cat, &leaks[i].path);

            if (leaks[i].path.steps[0].ref == ML_REF_ROOT_JNI_GLOBAL) {
                assert_null(e);
                continue;
            }
            if (e == NULL || strcmp(e->id, want) != 0) {
                char *text = ml_path_signature_text(&leaks[i].path);

                fail_msg("%s leak %zu: matched %s, want %s; path:\n%s", names[f], i,
                         e != NULL ? e->id : "nothing", want, text);
            }
            seen[e - cat->entries] = true;
            matched++;
        }
        assert_true(matched > 0);
        pf_free(leaks, n);
    }
    for (size_t e = 0; e < cat->n_entries; e++)
        if (!seen[e])
            fail_msg("entry %s is not reproduced by any fixture", cat->entries[e].id);
    free(seen);
    pf_free_names(names);
}

static const struct ml_known_entry *match_json(const char *json)
{
    struct ml_path p;
    const struct ml_known_entry *e;

    pf_path_from_json(json, &p);
    e = ml_known_match(ml_known_builtin(), &p);
    ml_path_clear(&p);
    return e;
}

/* Leaks that are not library leaks: the agent tests' own plugins. */
static void test_unknown_leaks_match_nothing(void **state)
{
    (void)state;
    /* A thread the job started (plug.ThreadLeak). */
    assert_null(match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"thread\":\"mltest-leaky-thread\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"target\",\"object\":\"instance\",\"class\":\"plug.ThreadLeak$Spin\",\"owned\":true}]"));
    /* A static cache of the host (plug.StaticCache). */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"mltest.Registry\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"CACHE\",\"object\":\"instance\",\"class\":\"java.util.ArrayList\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"elementData\",\"object\":\"instance\",\"class\":\"java.lang.Object[]\",\"owned\":false},"
        "{\"ref\":\"array-element\",\"index\":0,\"object\":\"instance\",\"class\":\"plug.StaticCache$Entry\",\"owned\":true}]"));
    /* A job's own MBean (plug.MBeanLeak): the JMX part of the Kafka and AWS shapes, another
     * owned class. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.management.ManagementFactory\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"platformMBeanServer\",\"object\":\"instance\",\"class\":\"com.sun.jmx.mbeanserver.JmxMBeanServer\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"com.sun.jmx.mbeanserver.NamedObject\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"object\",\"object\":\"instance\",\"class\":\"com.sun.jmx.mbeanserver.StandardMBeanSupport\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"resource\",\"object\":\"instance\",\"class\":\"plug.MBeanLeak$Counter\",\"owned\":true}]"));
    /* A job's own shutdown hook (plug.HookLeak). */
    assert_null(match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"plug.HookLeak$Hook\",\"thread\":\"mltest-hook\","
        "\"owned\":true,\"shutdown_hook\":true}]"));
    /* A JDBC driver of another vendor. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.sql.DriverManager\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"registeredDrivers\",\"object\":\"instance\",\"class\":\"java.util.concurrent.CopyOnWriteArrayList\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"driver\",\"object\":\"instance\",\"class\":\"org.postgresql.Driver\",\"owned\":true}]"));
}

/* Near misses: the library's classes in a shape that is not the known leak. */
static void test_near_misses_match_nothing(void **state)
{
    (void)state;
    /* Jackson's TypeFactory, but another cache of it. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"com.fasterxml.jackson.databind.type.TypeFactory\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"instance\",\"object\":\"instance\",\"class\":\"com.fasterxml.jackson.databind.type.TypeFactory\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"_modifiers\",\"object\":\"instance\",\"class\":\"job.Modifier[]\",\"owned\":true}]"));
    /* The Hadoop cleaner's name on a thread held through its Runnable, not its context loader
     * or access control context. */
    assert_null(match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\","
        "\"thread\":\"org.apache.hadoop.fs.FileSystem$Statistics$StatisticsDataReferenceCleaner\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"target\",\"object\":\"instance\",\"class\":\"job.Cleaner\",\"owned\":true}]"));
    /* A thread whose name only starts like MySQL's cleanup thread. */
    assert_null(match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\","
        "\"thread\":\"mysql-cj-abandoned-connection-cleanup-2\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"contextClassLoader\",\"object\":\"loader\",\"class\":\"x.L\",\"owned\":true}]"));
    /* Hadoop's ShutdownHookManager class, held by a static field rather than as a hook. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"com.acme.Registry\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"MANAGERS\",\"object\":\"instance\",\"class\":\"org.apache.hadoop.util.ShutdownHookManager\",\"owned\":true}]"));
    /* A class that only ends like Kafka's: no package boundary before the pattern. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.management.ManagementFactory\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"com.sun.jmx.mbeanserver.NamedObject\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"object\",\"object\":\"instance\",\"class\":\"xorg.apache.kafka.common.metrics.JmxReporter$KafkaMbean\",\"owned\":true}]"));
    /* The ThreadLocal shape, with a value of another library. */
    assert_null(match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\",\"thread\":\"pool-1\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"threadLocals\",\"object\":\"instance\",\"class\":\"java.lang.ThreadLocal$ThreadLocalMap\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"com.acme.Buffers\",\"owned\":true}]"));
    /* A log4j callback registry that is not held by a hook. */
    assert_null(match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"com.acme.Registry\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"R\",\"object\":\"instance\","
        "\"class\":\"org.apache.logging.log4j.core.util.DefaultShutdownCallbackRegistry\",\"owned\":true}]"));
}

/* A connector that relocates the library still matches; a hook found while the JVM runs
 * matches like the one at exit; the JDK 21+ Thread.holder.task form matches too. */
static void test_relocated_and_hook_forms_match(void **state)
{
    const struct ml_known_entry *e;

    (void)state;
    e = match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.management.ManagementFactory\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"value\",\"object\":\"instance\",\"class\":\"com.sun.jmx.mbeanserver.NamedObject\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"object\",\"object\":\"instance\","
        "\"class\":\"org.apache.flink.kafka.shaded.org.apache.kafka.common.metrics.JmxReporter$KafkaMbean\",\"owned\":true}]");
    assert_non_null(e);
    assert_string_equal(e->id, "kafka-client-not-closed");
    e = match_json(
        "[{\"ref\":\"class\",\"object\":\"class\",\"class\":\"java.lang.ApplicationShutdownHooks\",\"owned\":false},"
        "{\"ref\":\"static-field\",\"field\":\"hooks\",\"object\":\"instance\",\"class\":\"java.util.IdentityHashMap\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"table\",\"object\":\"instance\",\"class\":\"java.lang.Object[]\",\"owned\":false},"
        "{\"ref\":\"array-element\",\"index\":3,\"object\":\"instance\",\"class\":\"java.lang.Thread\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"holder\",\"object\":\"instance\",\"class\":\"java.lang.Thread$FieldHolder\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"task\",\"object\":\"instance\","
        "\"class\":\"org.apache.logging.log4j.core.util.DefaultShutdownCallbackRegistry\",\"owned\":true}]");
    assert_non_null(e);
    assert_string_equal(e->id, "log4j2-shutdown-callback-registry");
    /* A bundled Hadoop's own cleaner thread (found while the JVM runs, before the hook), as the
     * agent reported it for tests/knownleaks' hadoop-bundled under load. */
    e = match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\","
        "\"thread\":\"org.apache.hadoop.fs.FileSystem$Statistics$StatisticsDataReferenceCleaner\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"target\",\"object\":\"instance\","
        "\"class\":\"org.apache.hadoop.fs.FileSystem$Statistics$StatisticsDataReferenceCleaner\",\"owned\":true}]");
    assert_non_null(e);
    assert_string_equal(e->id, "hadoop-bundled-in-job-jar");
    /* Hadoop in lib/ (the thread's class is not the job's): the context class loader entry. */
    e = match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\","
        "\"thread\":\"org.apache.hadoop.fs.FileSystem$Statistics$StatisticsDataReferenceCleaner\",\"owned\":false},"
        "{\"ref\":\"field\",\"field\":\"contextClassLoader\",\"object\":\"loader\","
        "\"class\":\"org.apache.flink.util.ChildFirstClassLoader\",\"owned\":true}]");
    assert_non_null(e);
    assert_string_equal(e->id, "hadoop-statistics-cleaner-context-loader");
    /* A Kafka producer's network thread, the job's own class (a real TaskManager's report). */
    e = match_json(
        "[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"org.apache.kafka.common.utils.KafkaThread\","
        "\"thread\":\"kafka-producer-network-thread | producer-1\",\"owned\":true}]");
    assert_non_null(e);
    assert_string_equal(e->id, "kafka-client-not-closed");
}

static void test_no_path_matches_nothing(void **state)
{
    struct ml_path p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_null(ml_known_match(ml_known_builtin(), &p));
    assert_null(ml_known_match(NULL, &p));
}

static void test_globs(void **state)
{
    (void)state;
    assert_true(ml_known_glob("abc", "abc"));
    assert_false(ml_known_glob("abc", "abcd"));
    assert_true(ml_known_glob("a*", "a"));
    assert_true(ml_known_glob("*FileSystem$Statistics$StatisticsDataReferenceCleaner",
                              "org.apache.hadoop.fs.FileSystem$Statistics$StatisticsDataReferenceCleaner"));
    assert_true(ml_known_glob("a*b*c", "axxbyyc"));
    assert_false(ml_known_glob("a*b*c", "axxbyy"));
    assert_true(ml_known_glob("kafka-producer-network-thread | *",
                              "kafka-producer-network-thread | producer-1"));
    assert_false(ml_known_glob(NULL, "x"));
    assert_false(ml_known_glob("x", NULL));
    assert_true(ml_known_class_matches("org.apache.kafka.X", "org.apache.kafka.X"));
    assert_true(ml_known_class_matches("org.apache.kafka.X", "shaded.org.apache.kafka.X"));
    assert_false(ml_known_class_matches("org.apache.kafka.X", "shadedorg.apache.kafka.X"));
    assert_true(ml_known_class_matches("org.bouncycastle.*Provider",
                                       "org.bouncycastle.jce.provider.BouncyCastleProvider"));
}

/* One message for bad input, with file, line, column and where in the structure. */
static void load_fails(const char *yaml, const char *want)
{
    char err[ML_ERRBUF];
    struct ml_known_loaded *k = NULL;

    assert_int_equal(ml_known_load(yaml, strlen(yaml), "k.yaml", &k, err, sizeof(err)),
                     ML_ERR_CONFIG);
    assert_null(k);
    if (strstr(err, want) == NULL)
        fail_msg("message '%s' lacks '%s'", err, want);
}

#define ENTRY(extra)                                                                              \
    "version: 1\n"                                                                                \
    "entries:\n"                                                                                  \
    "  - id: a-b\n"                                                                               \
    "    library: g:a\n"                                                                          \
    "    title: t\n"                                                                              \
    "    references: [r]\n"                                                                       \
    "    fixed_in: null\n"                                                                        \
    "    advice: x\n"                                                                             \
    "    match:\n"                                                                                \
    "      - steps:\n"                                                                            \
    "          - class: c\n" extra

static void test_load_errors(void **state)
{
    (void)state;
    load_fails("version: 1\nentries: [\n", "k.yaml:3:1: malformed YAML");
    load_fails("", "k.yaml:1:1: (top level): the file is empty");
    load_fails("version: 2\nentries: []\n", "k.yaml:1:10: version: only version 1 is known");
    load_fails("version: 1\nentries: []\nextra: 1\n", "k.yaml:3:1: (top level): unknown key 'extra'");
    load_fails(ENTRY("            clas: d\n"),
               "k.yaml:12:13: entries[0].match[0].steps[0]: unknown key 'clas'");
    load_fails(ENTRY("            owned: yes\n"),
               "k.yaml:12:20: entries[0].match[0].steps[0].owned: is not true or false");
    load_fails(ENTRY("            ref: pointer\n"),
               "entries[0].match[0].steps[0].ref: 'pointer' is not a reference kind");
    load_fails(ENTRY("        root: heap\n"),
               "entries[0].match[0].root: 'heap' is not a root kind");
    load_fails(ENTRY("  - id: a-b\n    library: g:a\n    title: t\n    references: [r]\n"
                     "    fixed_in: null\n    advice: x\n    match: [{steps: [{class: c}]}]\n"),
               "k.yaml:12:5: entries[1]: id 'a-b' is already used by entries[0]");
    load_fails("version: 1\nentries:\n  - id: A\n", "entries[0].id: 'A' is not lower-case");
    load_fails("version: 1\nentries:\n  - id: a\n    library: kafka\n",
               "entries[0].library: 'kafka' is not Maven coordinates group:artifact");
    load_fails("version: 1\nentries:\n  - id: a\n    library: g:a\n    title: t\n",
               "k.yaml:3:5: entries[0]: key 'advice' is missing");
    load_fails(ENTRY("    reproduced_with: [g:a]\n"),
               "entries[0].reproduced_with: 'g:a' is not Maven coordinates group:artifact:version");
    load_fails(ENTRY("          - {}\n"), "entries[0].match[0].steps[1]: a step needs at least one");
    load_fails(ENTRY("            class: d\n"), "entries[0].match[0].steps[0]: key 'class' is given twice");
}

static void test_load_good(void **state)
{
    static const char yaml[] =
        ENTRY("            owned: true\n"
              "          - {thread: [\"a *\", b], field: f, ref: static-field, object: class, hook: false}\n"
              "        root: [thread, shutdown-hook]\n"
              "    reproduced_with: [g:a:1.0]\n");
    char err[ML_ERRBUF];
    struct ml_known_loaded *k = NULL;
    const struct ml_known_catalogue *c;
    const struct ml_known_step *s;

    (void)state;
    if (ml_known_load(yaml, strlen(yaml), "k.yaml", &k, err, sizeof(err)) != ML_OK)
        fail_msg("%s", err);
    c = ml_known_loaded_catalogue(k);
    assert_int_equal(c->n_entries, 1);
    assert_null(c->entries[0].fixed_in);
    assert_int_equal(c->entries[0].match[0].roots,
                     (1u << ML_ROOT_THREAD) | (1u << ML_ROOT_SHUTDOWN_HOOK));
    assert_int_equal(c->entries[0].match[0].n_steps, 2);
    s = &c->entries[0].match[0].steps[0];
    assert_string_equal(s->classes[0], "c");
    assert_null(s->classes[1]);
    assert_int_equal(s->owned, ML_KNOWN_YES);
    assert_true(s->any_object);
    s = &c->entries[0].match[0].steps[1];
    assert_string_equal(s->threads[0], "a *");
    assert_string_equal(s->threads[1], "b");
    assert_int_equal(s->ref, ML_REF_STATIC_FIELD);
    assert_false(s->any_object);
    assert_int_equal(s->object, ML_OBJ_CLASS);
    assert_int_equal(s->hook, ML_KNOWN_NO);
    assert_string_equal(c->entries[0].reproduced_with[0], "g:a:1.0");
    ml_known_free(k);
    ml_known_free(NULL);
}

/* ml_path_identify: a recorded known leak gets its signature, the entry and the advice that
 * leads with the entry's fix; an unknown one a signature and the cause's advice only. */
static void test_identify(void **state)
{
    const struct ml_known_catalogue *cat = ml_known_builtin();
    const struct ml_known_entry *beam = ml_known_find(cat,
                                                      "beam-deserialization-context-thread-local");
    size_t n;
    struct pf_leak *leaks = pf_load("beam-deserialization-context.java-17-openjdk-amd64.json", &n);
    struct ml_path p;
    char *advice;

    (void)state;
    assert_non_null(beam);
    assert_true(n > 0);
    assert_int_equal(ml_path_identify(&leaks[0].path, cat), ML_OK);
    assert_ptr_equal(leaks[0].path.known, beam);
    assert_int_equal(strlen(leaks[0].path.signature), ML_SIGNATURE_LEN);
    assert_int_equal(leaks[0].path.cause, ML_CAUSE_THREAD_LOCAL);
    assert_non_null(strstr(leaks[0].path.advice, "Known library leak "
                           "beam-deserialization-context-thread-local "
                           "(org.apache.beam:beam-sdks-java-core; fixed in 2.54.0): Upgrade "
                           "Beam to 2.54.0"));
    assert_ptr_equal(strstr(leaks[0].path.advice, "Known library leak"), leaks[0].path.advice);
    assert_non_null(strstr(leaks[0].path.advice, " In general: A ThreadLocal value"));
    /* without a catalogue: signed, not known */
    assert_int_equal(ml_path_identify(&leaks[0].path, NULL), ML_OK);
    assert_null(leaks[0].path.known);
    assert_int_equal(strncmp(leaks[0].path.advice, "A ThreadLocal value", 19), 0);
    pf_free(leaks, n);

    pf_path_from_json("[{\"ref\":\"thread\",\"object\":\"thread\",\"class\":\"java.lang.Thread\","
                      "\"thread\":\"job-7\",\"owned\":false},{\"ref\":\"field\",\"field\":"
                      "\"target\",\"object\":\"instance\",\"class\":\"plug.Spin\","
                      "\"owned\":true}]", &p);
    assert_int_equal(ml_path_identify(&p, cat), ML_OK);
    assert_null(p.known);
    assert_int_equal(strlen(p.signature), ML_SIGNATURE_LEN);
    assert_int_equal(strncmp(p.advice, "Thread 'job-7'", 14), 0);
    ml_path_clear(&p);
    assert_string_equal(p.signature, "");

    advice = ml_known_advice(beam, NULL);
    assert_non_null(advice);
    assert_null(strstr(advice, "In general"));
    free(advice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_is_the_yaml),
        cmocka_unit_test(test_fixtures_match_their_entry),
        cmocka_unit_test(test_unknown_leaks_match_nothing),
        cmocka_unit_test(test_near_misses_match_nothing),
        cmocka_unit_test(test_relocated_and_hook_forms_match),
        cmocka_unit_test(test_no_path_matches_nothing),
        cmocka_unit_test(test_globs),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_identify),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
