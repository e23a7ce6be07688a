/* CMocka tests for Metaspace reasoning: parsing HotSpot's per-loader output (recorded from
 * JDK 11, 17, 21 and 25: tests/unit/captures), the verdict and forecast, and Flink
 * configuration reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/flinkconf.h"
#include "metaleak/mspaceparse.h"
#include "metaleak/mspaceverdict.h"
#include "testutil.h"

#ifndef ML_UNIT_CAPTURES
#error "ML_UNIT_CAPTURES (the directory of the recorded jcmd outputs) must be defined"
#endif

/* Recorded from OpenJDK 17.0.15 (abridged to three loaders). */
static const char METASPACE_17[] =
    "Usage per loader:\n"
    "\n"
    "   1: CLD 0x00007f357011cc50: instance of java.net.URLClassLoader, 1 class\n"
    "  Non-Class:    1 chunk,    4096 bytes capacity, 4096 bytes (100%) committed,  2104 bytes ( 51%) used,  1992 bytes ( 49%) free,     0 bytes (  0%) waste , deallocated: 0 blocks with 0 bytes\n"
    "      Class:    1 chunk,    2048 bytes capacity, 2048 bytes (100%) committed,   552 bytes ( 27%) used,  1496 bytes ( 73%) free,     0 bytes (  0%) waste , deallocated: 0 blocks with 0 bytes\n"
    "       Both:    2 chunks,   6144 bytes capacity, 6144 bytes (100%) committed,  2656 bytes ( 43%) used,  3488 bytes ( 57%) free,     0 bytes (  0%) waste , deallocated: 0 blocks with 0 bytes\n"
    "\n"
    "   2: CLD 0x00007fbc7017d9e0: <hidden class>, loaded by \"<bootstrap>\", 1 class\n"
    "       Both:    3 chunks,   3072 bytes capacity, 3072 bytes (100%) committed,  1800 bytes ( 59%) used,  1272 bytes ( 41%) free,     0 bytes (  0%) waste , deallocated: 1 blocks with 40 bytes\n"
    "\n"
    "   3: CLD 0x00007f51800da870: \"<bootstrap>\", 1501 classes\n"
    "  Non-Class:   12 chunks,   1048576 bytes capacity, 1048576 bytes (100%) committed,  400000 bytes ( 38%) used,  648576 bytes ( 62%) free,     0 bytes (  0%) waste , deallocated: 0 blocks with 0 bytes\n"
    "\n"
    "Total Usage - 3 loaders, 1503 classes\n"
    "       Both:  117 chunks,  4732928 bytes capacity,3291136 bytes ( 70%) committed, 3189624 bytes ( 67%) used\n"
    "\n"
    "Virtual space:\n"
    "  Non-class space:  67108864 bytes reserved, 2949120 bytes (  4%) committed,  1 nodes.\n"
    "             Both:  1140850688 bytes reserved, 3342336 bytes ( <1%) committed. \n";

static const char TREE_17[] =
    "+-- <bootstrap>\n"
    "      |            Loader Oop: 0x0000000000000000\n"
    "      |           Loader Data: 0x00007f51800da870\n"
    "      |          Loader Klass: 0x0000000000000000\n"
    "      +-- java.net.URLClassLoader\n"
    "                   Loader Oop: 0x000000069ef001a0\n"
    "                  Loader Data: 0x00007f357011cc50\n"
    "                 Loader Klass: 0x00007f510002d148\n"
    "      +-- \"platform\", jdk.internal.loader.ClassLoaders$PlatformClassLoader\n"
    "                   Loader Oop: 0x00000007ffb56100\n"
    "                  Loader Data: 0x00007f51800e3700\n";

static void test_parse_join(void **state)
{
    struct ml_mspace_table t = {0};
    const struct ml_mspace_entry *e;

    (void)state;
    assert_int_equal(ml_mspace_parse_metaspace(METASPACE_17, &t), ML_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.hidden_used_bytes, 1800);
    assert_int_equal(t.reserved_bytes, 1140850688LL);
    assert_int_equal(ml_mspace_parse_tree(TREE_17, &t), ML_OK);
    e = ml_mspace_find_oop(&t, 0x000000069ef001a0ULL);
    assert_non_null(e);
    assert_int_equal(e->used_bytes, 2656);     /* "Both", not "Non-Class" */
    assert_int_equal(e->committed_bytes, 6144);
    assert_int_equal(e->classes, 1);
    e = ml_mspace_find_oop(&t, 0);
    assert_non_null(e);                         /* bootstrap: only a Non-Class line */
    assert_int_equal(e->used_bytes, 400000);
    assert_int_equal(e->classes, 1501);
    assert_null(ml_mspace_find_oop(&t, 0x00000007ffb56100ULL)); /* platform: no Metaspace entry */
    assert_null(ml_mspace_find_oop(&t, 0x1234));
    ml_mspace_free(&t);
}

static void test_parse_garbage(void **state)
{
    struct ml_mspace_table t = {0};

    (void)state;
    assert_int_equal(ml_mspace_parse_metaspace("nothing here", &t), ML_ERR_CONFIG);
    ml_mspace_free(&t);
    assert_int_equal(ml_mspace_parse_metaspace("Usage per loader:\n   1: CLD zz\n", &t),
                     ML_ERR_CONFIG);
    ml_mspace_free(&t);
    assert_int_equal(ml_mspace_parse_metaspace(METASPACE_17, &t), ML_OK);
    assert_int_equal(ml_mspace_parse_tree("no loaders", &t), ML_ERR_CONFIG);
    ml_mspace_free(&t);
}

/* Whole jcmd outputs of real JVMs (tests/unit/captures): VM.metaspace show-loaders scale=1 and
 * VM.classloaders verbose fold=false of the same JVM, and what they say about one named
 * URLClassLoader (numbers read off the text). JDK 11's old Metaspace prints "capacity" where
 * later JDKs print "committed", and "<anonymous class>" where they print "<hidden class>". */
struct capture {
    const char *jdk;
    uint64_t oop;              /* the loader's "Loader Oop" in the tree */
    uint64_t used, committed;  /* its "Both:" line */
    uint64_t classes;
    size_t entries;            /* CLDs in "Usage per loader" */
    uint64_t hidden_used;      /* sum of the hidden (anonymous) class CLDs' used bytes */
    int64_t reserved;
};

static const struct capture CAPTURES[] = {
    {"jdk11", 0x000000069ec1d1a8ULL, 3440, 6144, 2, 40, 67768, 1082130432LL},
    {"jdk21", 0x000000069ec15380ULL, 2464, 6144, 2, 11, 12784, 1140850688LL},
    {"jdk25", 0x000000069ec18980ULL, 2984, 5120, 2, 5, 1800, 1140850688LL},
};

static char *read_capture(const char *jdk, const char *what)
{
    char path[512];
    char *text;

    snprintf(path, sizeof(path), "%s/%s-%s.txt", ML_UNIT_CAPTURES, jdk, what);
    text = tu_read_file(path, NULL);
    if (text == NULL)
        fail_msg("cannot read %s", path);
    return text;
}

static void test_parse_captures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CAPTURES) / sizeof(CAPTURES[0]); i++) {
        const struct capture *c = &CAPTURES[i];
        char *ms = read_capture(c->jdk, "vm-metaspace-show-loaders");
        char *tree = read_capture(c->jdk, "vm-classloaders-verbose-fold");
        struct ml_mspace_table t = {0};
        const struct ml_mspace_entry *e;

        print_message("%s\n", c->jdk);
        assert_int_equal(ml_mspace_parse_metaspace(ms, &t), ML_OK);
        assert_int_equal(t.n, c->entries);
        assert_int_equal(t.hidden_used_bytes, c->hidden_used);
        assert_int_equal(t.reserved_bytes, c->reserved);
        assert_int_equal(ml_mspace_parse_tree(tree, &t), ML_OK);
        e = ml_mspace_find_oop(&t, c->oop);
        assert_non_null(e);
        assert_false(e->hidden);
        assert_int_equal(e->used_bytes, c->used);
        assert_int_equal(e->committed_bytes, c->committed);
        assert_int_equal(e->classes, c->classes);
        /* every CLD has its bytes: none left at 0 by an unknown line format */
        for (size_t k = 0; k < t.n; k++) {
            assert_true(t.entries[k].used_bytes > 0);
            assert_true(t.entries[k].committed_bytes >= t.entries[k].used_bytes);
        }
        ml_mspace_free(&t);
        free(ms);
        free(tree);
    }
}

static void add(struct ml_mspace_series *s, int64_t t, int64_t used, bool full)
{
    struct ml_mspace_sample x = {t, used, used, 1, 1, full};

    ml_mspace_series_add(s, &x);
}

static void test_series_ring(void **state)
{
    static struct ml_mspace_series s;

    (void)state;
    for (int i = 0; i < ML_MSPACE_SAMPLES + 10; i++)
        add(&s, i, i, false);
    assert_int_equal(s.n, ML_MSPACE_SAMPLES);
    assert_int_equal(s.dropped, 10);
    assert_int_equal(ml_mspace_series_at(&s, 0)->t_ms, 10);
    assert_int_equal(ml_mspace_series_at(&s, ML_MSPACE_SAMPLES - 1)->t_ms, ML_MSPACE_SAMPLES + 9);
}

static void test_verdicts(void **state)
{
    static struct ml_mspace_series s;
    struct ml_mspace_inputs in;
    struct ml_mspace_judgement j;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.series = &s;
    in.max_bytes = 24 << 20;
    in.used_bytes = 12 << 20;
    in.committed_bytes = 16 << 20;
    in.first_close_ms = 1000;
    in.now_ms = 11000;

    /* leak: forecast from committed, 8 MiB room / 2 KiB per leak */
    in.leaked_loaders = 10;
    in.leaked_measured = 10;
    in.leaked_bytes = 20480;
    ml_mspace_judge(&in, &j);
    assert_string_equal(j.verdict, "leak");
    assert_int_equal(j.bytes_per_leak, 2048);
    assert_int_equal(j.submissions_left, (8 << 20) / 2048);
    assert_int_equal(j.ms_left, (int64_t)((double)(8 << 20) / (20480.0 / 10000.0)));
    assert_non_null(strstr(j.reason, "10 leaked class loaders hold 20.0 KiB"));

    /* undersized: no leak, post-GC usage at 90 % of the limit, flat */
    in.leaked_loaders = in.leaked_measured = 0;
    in.leaked_bytes = 0;
    in.limit_setting = "taskmanager.memory.jvm-metaspace.size (now 24m)";
    add(&s, 100, 21 << 20, true);
    add(&s, 200, (21 << 20) + 1000, true);
    ml_mspace_judge(&in, &j);
    assert_string_equal(j.verdict, "undersized");
    assert_non_null(strstr(j.advice, "raise taskmanager.memory.jvm-metaspace.size (now 24m)"));

    /* growing: post-GC baseline +50 % and > 1 MiB, far from the limit */
    memset(&s, 0, sizeof(s));
    in.max_bytes = -1;
    add(&s, 100, 4 << 20, true);
    add(&s, 150, 9 << 20, false); /* not post-GC: ignored */
    add(&s, 200, 6 << 20, true);
    ml_mspace_judge(&in, &j);
    assert_string_equal(j.verdict, "growing");
    assert_int_equal(j.baseline_growth, 2 << 20);

    /* healthy: flat baseline */
    memset(&s, 0, sizeof(s));
    add(&s, 100, 4 << 20, true);
    add(&s, 200, (4 << 20) + 100, true);
    ml_mspace_judge(&in, &j);
    assert_string_equal(j.verdict, "healthy");
    assert_int_equal(j.submissions_left, -1);
}

static void test_flink_conf(void **state)
{
    struct ml_flink_conf c;
    const char *flat = "taskmanager.memory.jvm-metaspace.size: 128m\n"
                       "classloader.resolve-order: parent-first\n"
                       "classloader.parent-first-patterns.additional: com.mysql;org.h2\n";
    const char *nested = "taskmanager:\n  memory:\n    jvm-metaspace:\n      size: 512m\n"
                         "classloader:\n  parent-first-patterns:\n    additional:\n"
                         "      - com.mysql\n      - org.h2\n"
                         "  check-leaked-classloader: false\n";
    char dir[256];

    (void)state;
    memset(&c, 0, sizeof(c));
    ml_flink_conf_parse("flink-conf.yaml", flat, strlen(flat), &c);
    assert_string_equal(c.values[ML_FK_METASPACE_SIZE], "128m");
    assert_string_equal(c.values[ML_FK_RESOLVE_ORDER], "parent-first");
    assert_string_equal(c.values[ML_FK_PARENT_FIRST_ADDITIONAL], "com.mysql;org.h2");
    assert_null(c.values[ML_FK_CHECK_LEAKED]);
    /* taskmanager.sh passes the computed size as a dynamic property: it wins */
    ml_flink_conf_apply_dynamic("org.apache.flink.runtime.taskexecutor.TaskManagerRunner "
                                "--configDir /opt/flink/conf -D "
                                "taskmanager.memory.jvm-metaspace.size=268435456b -Dx=y",
                                &c);
    assert_string_equal(c.values[ML_FK_METASPACE_SIZE], "268435456b");
    ml_flink_conf_release(&c);

    memset(&c, 0, sizeof(c));
    ml_flink_conf_parse("config.yaml", nested, strlen(nested), &c);
    assert_string_equal(c.values[ML_FK_METASPACE_SIZE], "512m");
    assert_string_equal(c.values[ML_FK_PARENT_FIRST_ADDITIONAL], "com.mysql;org.h2");
    assert_string_equal(c.values[ML_FK_CHECK_LEAKED], "false");
    assert_string_equal(c.error, "");
    ml_flink_conf_release(&c);

    memset(&c, 0, sizeof(c));
    ml_flink_conf_parse("config.yaml", "a: [\n", 5, &c);
    assert_non_null(strstr(c.error, "config.yaml:"));
    assert_non_null(strstr(c.error, "malformed YAML"));
    ml_flink_conf_release(&c);

    memset(&c, 0, sizeof(c));
    ml_flink_conf_load("/nonexistent-dir", NULL, &c);
    assert_non_null(strstr(c.error, "no flink-conf.yaml or config.yaml"));
    ml_flink_conf_release(&c);

    assert_true(ml_flink_conf_dir(NULL, "x.TaskManagerRunner --configDir /opt/conf -D a=b", dir,
                                  sizeof(dir)));
    assert_string_equal(dir, "/opt/conf");
    assert_true(ml_flink_conf_dir("/env/conf", "--configDir /opt/conf", dir, sizeof(dir)));
    assert_string_equal(dir, "/env/conf");
    assert_false(ml_flink_conf_dir(NULL, "Main", dir, sizeof(dir)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_join), cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_parse_captures),
        cmocka_unit_test(test_series_ring), cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_flink_conf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
