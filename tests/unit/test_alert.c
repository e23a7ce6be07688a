/* CMocka tests of src/core/alert.c and src/core/metrics.c: the alert texts (logfmt quoting,
 * fields left out when unknown, the cut of a long line), the holder in a few words for each
 * cause, the leak-line rate limit (and that a slow trickle of leaks is never held back), and
 * the Prometheus text of the status snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/alert.h"
#include "metaleak/metrics.h"

static void test_leak_text(void **state)
{
    struct ml_alert_leak a = {0};
    char out[ML_ALERT_MAX];

    (void)state;
    a.loader_id = 12;
    a.job_id = "585a0d1c6f2b4e1f9a3c7d8e9f0a1b2c";
    a.loader_class = "org.apache.flink.util.ChildFirstClassLoader";
    a.cause = "thread";
    a.holder = "thread 'pool-3-thread-1' -> io.acme.Sleeper";
    a.known = "kafka-producer-network-thread";
    a.proof = "full-gc";
    a.classes = 812;
    a.metaspace_bytes = 6291456;
    a.report = "/opt/flink/log/metaleak-tm-1.json";
    ml_alert_leak_text(&a, out, sizeof(out));
    assert_string_equal(out, "event=leak job=585a0d1c6f2b4e1f9a3c7d8e9f0a1b2c loader=12 "
                             "class=org.apache.flink.util.ChildFirstClassLoader cause=thread "
                             "holder=\"thread 'pool-3-thread-1' -> io.acme.Sleeper\" "
                             "known=kafka-producer-network-thread classes=812 "
                             "metaspace_bytes=6291456 proof=full-gc "
                             "report=/opt/flink/log/metaleak-tm-1.json");

    /* Unknown: no job, no path yet, no known leak, not measured. */
    memset(&a, 0, sizeof(a));
    a.loader_id = 3;
    a.job_id = "";
    a.loader_class = "java.net.URLClassLoader";
    a.path_status = "budget-exceeded";
    a.proof = "full-gc";
    a.classes = 2;
    a.metaspace_bytes = -1;
    a.report = "/tmp/with space/r.json";
    ml_alert_leak_text(&a, out, sizeof(out));
    assert_string_equal(out, "event=leak loader=3 class=java.net.URLClassLoader cause=unknown "
                             "path=budget-exceeded classes=2 proof=full-gc "
                             "report=\"/tmp/with space/r.json\"");
}

/* Quotes, backslashes, '=' and control characters cannot break a line or a field. */
static void test_quoting(void **state)
{
    struct ml_alert_leak a = {0};
    char out[ML_ALERT_MAX];

    (void)state;
    a.loader_id = 1;
    a.cause = "thread";
    a.holder = "thread 'a\"b\\c=d\ne' -> X";
    a.report = "r.json";
    ml_alert_leak_text(&a, out, sizeof(out));
    assert_non_null(strstr(out, "holder=\"thread 'a\\\"b\\\\c=d?e' -> X\""));
    assert_null(strchr(out, '\n'));
}

static void test_cut(void **state)
{
    struct ml_alert_leak a = {0};
    char big[5000], out[ML_ALERT_MAX];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    a.report = big;
    ml_alert_leak_text(&a, out, sizeof(out));
    assert_true(strlen(out) < ML_ALERT_MAX);
    assert_string_equal(out + strlen(out) - 3, "...");
}

static void test_metaspace_oom_held_text(void **state)
{
    struct ml_alert_metaspace m = {0};
    struct ml_alert_oom o = {0};
    struct ml_alert_held h = {0};
    char out[ML_ALERT_MAX];

    (void)state;
    m.verdict = "leak";
    m.was = "growing";
    m.used_bytes = 57310168;
    m.committed_bytes = 57868288;
    m.max_bytes = 134217728;
    m.leaked_loaders = 8;
    m.submissions_left = 46;
    m.seconds_left = 230;
    m.reason = "8 leaked class loaders hold 12.6 MiB of the 54.7 MiB Metaspace in use";
    m.report = "/r.json";
    ml_alert_metaspace_text(&m, out, sizeof(out));
    assert_string_equal(out, "event=metaspace verdict=leak was=growing used_bytes=57310168 "
                             "committed_bytes=57868288 max_bytes=134217728 leaked_loaders=8 "
                             "submissions_left=46 seconds_left=230 reason=\"8 leaked class "
                             "loaders hold 12.6 MiB of the 54.7 MiB Metaspace in use\" "
                             "report=/r.json");
    /* Unknown forecast and an unlimited Metaspace are left out. */
    m.was = NULL;
    m.max_bytes = -1;
    m.submissions_left = m.seconds_left = -1;
    m.reason = NULL;
    ml_alert_metaspace_text(&m, out, sizeof(out));
    assert_string_equal(out, "event=metaspace verdict=leak used_bytes=57310168 "
                             "committed_bytes=57868288 leaked_loaders=8 report=/r.json");

    o.space = "metaspace";
    o.count = 3;
    o.used_bytes = 100663296;
    o.max_bytes = 100663296;
    o.leaked_loaders = 13;
    o.report = "/r.json";
    ml_alert_oom_text(&o, out, sizeof(out));
    assert_string_equal(out, "event=oom space=metaspace count=3 used_bytes=100663296 "
                             "max_bytes=100663296 leaked_loaders=13 report=/r.json");

    h.count = 240;
    h.classes = 48000;
    h.metaspace_bytes = 1 << 30;
    h.window_ms = 61500;
    ml_alert_held_text(&h, "/r.json", out, sizeof(out));
    assert_string_equal(out, "event=leaks-suppressed count=240 classes=48000 "
                             "metaspace_bytes=1073741824 window_s=61 report=/r.json");
}

/* ---- holder ---- */

struct fx_path {
    struct ml_step steps[4];
    struct ml_path p;
};

static void fx_step(struct ml_step *s, enum ml_ref ref, const char *cls, const char *field,
                    const char *thread, bool owned)
{
    memset(s, 0, sizeof(*s));
    s->ref = ref;
    s->class_name = (char *)cls;
    s->field = (char *)field;
    s->thread = (char *)thread;
    s->owned = owned;
    s->index = -1;
}

static const char *holder(struct fx_path *f, size_t n, enum ml_cause cause)
{
    static char out[256];

    f->p.steps = f->steps;
    f->p.n_steps = n;
    f->p.cause = cause;
    ml_alert_holder(&f->p, out, sizeof(out));
    return out;
}

static void test_holder(void **state)
{
    struct fx_path f;

    (void)state;
    fx_step(&f.steps[0], ML_REF_ROOT_THREAD, "java.lang.Thread", NULL, "pool-3-thread-1", false);
    fx_step(&f.steps[1], ML_REF_FIELD, "io.acme.Sleeper", "target", NULL, true);
    assert_string_equal(holder(&f, 2, ML_CAUSE_THREAD),
                        "thread 'pool-3-thread-1' -> io.acme.Sleeper");
    assert_string_equal(holder(&f, 2, ML_CAUSE_TIMER),
                        "timer thread 'pool-3-thread-1' -> io.acme.Sleeper");
    assert_string_equal(holder(&f, 2, ML_CAUSE_THREAD_LOCAL),
                        "ThreadLocal on thread 'pool-3-thread-1' -> io.acme.Sleeper");

    fx_step(&f.steps[0], ML_REF_ROOT_SYSTEM_CLASS, "org.h2.util.Cache", NULL, NULL, false);
    fx_step(&f.steps[1], ML_REF_STATIC_FIELD, "java.util.HashMap", "CACHE", NULL, false);
    fx_step(&f.steps[2], ML_REF_FIELD, "io.acme.Entry", "value", NULL, true);
    assert_string_equal(holder(&f, 3, ML_CAUSE_STATIC_FIELD),
                        "static org.h2.util.Cache.CACHE -> io.acme.Entry");
    assert_string_equal(holder(&f, 3, ML_CAUSE_JDBC_DRIVER),
                        "java.sql.DriverManager -> io.acme.Entry");
    assert_string_equal(holder(&f, 3, ML_CAUSE_MBEAN), "platform MBean server -> io.acme.Entry");
    assert_string_equal(holder(&f, 3, ML_CAUSE_JNI_GLOBAL),
                        "JNI global reference -> io.acme.Entry");
    /* other: the last object outside the job and the field that holds the job's object */
    assert_string_equal(holder(&f, 3, ML_CAUSE_OTHER), "java.util.HashMap.value -> io.acme.Entry");

    fx_step(&f.steps[0], ML_REF_ROOT_STACK_LOCAL, "java.lang.Thread", NULL, "hook-1", false);
    f.steps[0].hook = true;
    fx_step(&f.steps[1], ML_REF_FIELD, "io.acme.Hook", "target", NULL, true);
    assert_string_equal(holder(&f, 2, ML_CAUSE_SHUTDOWN_HOOK),
                        "shutdown hook 'hook-1' -> io.acme.Hook");
    assert_string_equal(holder(&f, 0, ML_CAUSE_NONE), "");
}

/* ---- the rate limit ---- */

static void test_limit_burst_and_summary(void **state)
{
    struct ml_alert_limit lim = {0};
    struct ml_alert_held held;
    unsigned shown = 0;

    (void)state;
    /* 300 leaks within a second: 10 lines, the rest held. */
    for (int i = 0; i < 300; i++)
        shown += ml_alert_limit_admit(&lim, 1000 + i, 100, 1000);
    assert_int_equal(shown, ML_ALERT_LEAK_BURST);
    assert_false(ml_alert_limit_due(&lim, 30000, false, &held));   /* window not over */
    assert_true(ml_alert_limit_due(&lim, 61000, false, &held));
    assert_int_equal(held.count, 290);
    assert_int_equal(held.classes, 29000);
    assert_int_equal(held.metaspace_bytes, 290000);
    assert_int_equal(held.window_ms, 60000);
    assert_false(ml_alert_limit_due(&lim, 61001, true, &held));    /* said once */
    /* The next window: the summary took one line of it. */
    shown = 0;
    for (int i = 0; i < 20; i++)
        shown += ml_alert_limit_admit(&lim, 62000 + i, 1, -1);
    assert_int_equal(shown, ML_ALERT_LEAK_BURST - 1);
    /* At exit the held ones are said whatever the window. */
    assert_true(ml_alert_limit_due(&lim, 63000, true, &held));
    assert_int_equal(held.count, 11);
    assert_int_equal(held.metaspace_bytes, 0);
}

/* Must not trigger: leaks that come one at a time are each said, however many in total. */
static void test_limit_trickle_never_held(void **state)
{
    struct ml_alert_limit lim = {0};
    struct ml_alert_held held;

    (void)state;
    for (int i = 0; i < 100; i++) {
        assert_true(ml_alert_limit_admit(&lim, (int64_t)i * 7000, 10, 10));
        assert_false(ml_alert_limit_due(&lim, (int64_t)i * 7000 + 1, false, &held));
    }
}

/* ---- metrics ---- */

static void test_metrics_render(void **state)
{
    struct ml_agent_status s = {0};
    char *text;

    (void)state;
    s.active = true;
    s.leaked_loaders = 3;
    s.leaked_loaders_total = 4;
    s.leaked_classes = 1200;
    s.leaked_metaspace_bytes = 7340032;
    s.loaders_live = 9;
    s.verdict = "leak";
    s.submissions_left = 46;
    s.seconds_left = 230;
    s.metaspace_used_bytes = 57310168;
    s.metaspace_max_bytes = -1;
    s.ooms = 0;
    s.reports_written = 5;
    s.last_report = "/reports/metaleak-\"tm\".json";
    s.last_report_epoch_ms = 1796284862123LL;
    s.errors = 1;
    s.updated_epoch_ms = 1796284863000LL;
    text = ml_metrics_render(&s, "flink-tm-0", 1);
    assert_non_null(text);
    assert_non_null(strstr(text, "# TYPE metaleak_leaked_loaders gauge\n"
                                 "metaleak_leaked_loaders{host=\"flink-tm-0\",pid=\"1\"} 3\n"));
    assert_non_null(strstr(text, "metaleak_loaders_leaked_total{host=\"flink-tm-0\",pid=\"1\"} 4\n"));
    assert_non_null(strstr(text, "# TYPE metaleak_reports_written_total counter\n"));
    assert_non_null(strstr(text, "metaleak_metaspace_verdict{host=\"flink-tm-0\",pid=\"1\"} 3\n"));
    assert_non_null(strstr(text, "metaleak_metaspace_max_bytes{host=\"flink-tm-0\",pid=\"1\"} -1\n"));
    assert_non_null(strstr(text, "metaleak_last_report_timestamp_seconds{host=\"flink-tm-0\","
                                 "pid=\"1\"} 1796284862\n"));
    assert_non_null(strstr(text, "path=\"/reports/metaleak-\\\"tm\\\".json\"} 1\n"));
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
    assert_int_equal(ml_metrics_verdict_level("healthy"), 0);
    assert_int_equal(ml_metrics_verdict_level("undersized"), 2);
    assert_int_equal(ml_metrics_verdict_level(NULL), -1);
    assert_int_equal(ml_metrics_verdict_level("other"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leak_text),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_metaspace_oom_held_text),
        cmocka_unit_test(test_holder),
        cmocka_unit_test(test_limit_burst_and_summary),
        cmocka_unit_test(test_limit_trickle_never_held),
        cmocka_unit_test(test_metrics_render),
    };

    return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
