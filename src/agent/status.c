/* The status after each round: snapshot, alerts, metrics file, MBean (status.h). The alert
 * formats are docs/operations.md's contract; alert.c writes them, log.c prints them.
 *
 * When a leak is said: at the first round after the loader was proven leaked, once its
 * reference-path search has run (the same round, usually: a leak starts a search), so that the
 * line names the cause; a loader whose search is held back by the search's rate limit is said
 * without a cause after PATH_WAIT_MS, and at exit whatever is known. Worker thread only. */
#include "status.h"

#include <string.h>

#include "events.h"
#include "mbean.h"
#include "metaleak/alert.h"
#include "metaleak/atomicfile.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/log.h"
#include "metaleak/metrics.h"
#include "metaleak/registry.h"
#include "metaleak/verdict.h"
#include "mgmt.h"
#include "reportwrite.h"
#include "state.h"

#include <stdlib.h>
#include <unistd.h>

#define EVERY_MS 5000          /* the snapshot at least this often */
#define PATH_WAIT_MS 120000    /* a leak waits this long for its path search */
#define CALM_MS 60000          /* a better Metaspace verdict is said once it held this long */
#define OOM_GAP_MS 10000       /* OutOfMemoryError lines at least this far apart */

/* Worker thread only. */
static struct {
    bool started;
    int64_t last_ms;
    uint64_t reports_seen;
    struct ml_alert_limit limit;
    char said[16];             /* the Metaspace verdict last said ("" none) */
    char better[16];           /* a better verdict waiting to be said, "" none */
    int64_t better_since;
    uint64_t ooms_said;
    int64_t oom_said_ms;
    char metrics_error[ML_ERRBUF];
} st;

/* The known-leak id of a loader's path (data/known-leaks.yaml), NULL when none. */
static const char *known_id(const struct ml_loader *l)
{
    return l->path.known != NULL ? l->path.known->id : NULL;
}

/* Fills a leak alert's text for l. Registry lock held. */
static void leak_text(const struct ml_loader *l, char *out, size_t outlen)
{
    struct ml_alert_leak a;
    char holder[256];

    memset(&a, 0, sizeof(a));
    ml_alert_holder(&l->path, holder, sizeof(holder));
    a.loader_id = l->id;
    a.job_id = l->job_id;
    a.loader_class = l->class_name;
    a.cause = l->path.n_steps > 0 ? ml_cause_name(l->path.cause) : NULL;
    a.path_status = ml_path_status_name(l->path_status);
    a.holder = holder;
    a.known = known_id(l);
    a.proof = ml_proof_name(l->verdict.proof);
    a.classes = ml_loader_classes_live(l);
    a.metaspace_bytes = l->verdict.state == ML_STATE_UNLOADED ? -1 : l->metaspace_bytes;
    a.report = ml_report_file();
    ml_alert_leak_text(&a, out, outlen);
}

/* A leak waits for its path search while one may still come. */
static bool waits_for_path(const struct ml_loader *l, int64_t now, bool last)
{
    return !last && ml_opts()->paths && l->handle != NULL &&
           l->path_status == ML_PATH_NOT_SEARCHED && now - l->verdict.leaked_ms < PATH_WAIT_MS;
}

/* One look at the registry: the totals of the snapshot, and the leak lines due now (at most
 * 2 * ML_ALERT_LEAK_BURST texts in lines, a burst on each side of a window's end; the rest are
 * counted by the rate limit). Returns how many lines. */
static unsigned scan(struct ml_agent_status *s, int64_t now, bool last,
                     char (*lines)[ML_ALERT_MAX])
{
    struct ml_registry *reg = ml_reg();
    unsigned n = 0;

    if (reg == NULL || !ml_reg_lock())
        return 0;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        bool alive = l->verdict.state != ML_STATE_UNLOADED;

        if (l->id == 0)
            continue;
        if (l->verdict.state == ML_STATE_LIVE)
            s->loaders_live++;
        if (!l->verdict.leaked)
            continue;
        s->leaked_loaders_total++;
        if (alive) {
            s->leaked_loaders++;
            s->leaked_classes += ml_loader_classes_live(l);
            if (l->metaspace_bytes > 0)
                s->leaked_metaspace_bytes += l->metaspace_bytes;
        }
        if (l->alerted || waits_for_path(l, now, last))
            continue;
        l->alerted = true;
        if (ml_alert_limit_admit(&st.limit, now, ml_loader_classes_live(l),
                                 alive ? l->metaspace_bytes : -1) &&
            n < 2 * ML_ALERT_LEAK_BURST)
            leak_text(l, lines[n++], ML_ALERT_MAX);
    }
    ml_reg_unlock();
    return n;
}

static void say_verdict(const struct ml_mspace_judgement *j, const struct ml_agent_status *s,
                        int64_t committed)
{
    struct ml_alert_metaspace a;
    char text[ML_ALERT_MAX];

    memset(&a, 0, sizeof(a));
    a.verdict = j->verdict;
    a.was = st.said[0] != '\0' ? st.said : NULL;
    a.used_bytes = s->metaspace_used_bytes;
    a.committed_bytes = committed;
    a.max_bytes = s->metaspace_max_bytes;
    a.leaked_loaders = s->leaked_loaders;
    a.submissions_left = j->submissions_left;
    a.seconds_left = j->ms_left < 0 ? -1 : j->ms_left / 1000;
    a.reason = j->reason;
    a.report = ml_report_file();
    ml_alert_metaspace_text(&a, text, sizeof(text));
    ml_log_alert(ml_metrics_verdict_level(j->verdict) > 0 ? ML_LOG_WARN : ML_LOG_INFO,
                 ml_clock_epoch_ms(), text);
    snprintf(st.said, sizeof(st.said), "%s", j->verdict);
    st.better[0] = '\0';
}

/* A worse verdict is said at once; a better one once it held CALM_MS (no line per flap). The
 * first verdict is said only when it is not healthy. */
static void verdict_alert(const struct ml_mspace_judgement *j, const struct ml_agent_status *s,
                          int64_t committed, int64_t now)
{
    int level = ml_metrics_verdict_level(j->verdict);

    if (j->verdict == NULL)
        return;
    if (st.said[0] == '\0') {
        if (level > 0)
            say_verdict(j, s, committed);
        else
            snprintf(st.said, sizeof(st.said), "%s", j->verdict);
        return;
    }
    if (strcmp(st.said, j->verdict) == 0) {
        st.better[0] = '\0';
        return;
    }
    if (level > ml_metrics_verdict_level(st.said)) {
        say_verdict(j, s, committed);
        return;
    }
    if (strcmp(st.better, j->verdict) != 0) {
        snprintf(st.better, sizeof(st.better), "%s", j->verdict);
        st.better_since = now;
    } else if (now - st.better_since >= CALM_MS) {
        say_verdict(j, s, committed);
    }
}

static void oom_alert(const struct ml_event_counts *ev, const struct ml_agent_status *s,
                      int64_t now, bool last)
{
    struct ml_alert_oom a;
    char text[ML_ALERT_MAX];

    if (ev->ooms <= st.ooms_said ||
        (st.ooms_said > 0 && !last && now - st.oom_said_ms < OOM_GAP_MS))
        return;
    memset(&a, 0, sizeof(a));
    a.space = ev->oom_class_space ? "compressed-class-space" : "metaspace";
    a.count = ev->ooms;
    a.used_bytes = s->metaspace_used_bytes;
    a.max_bytes = s->metaspace_max_bytes;
    a.leaked_loaders = s->leaked_loaders;
    a.report = ml_report_file();
    ml_alert_oom_text(&a, text, sizeof(text));
    ml_log_alert(ML_LOG_ERROR, ml_clock_epoch_ms(), text);
    st.ooms_said = ev->ooms;
    st.oom_said_ms = now;
}

/* The leaks-suppressed line, when the rate limit's window is over (or at exit). */
static void say_held(int64_t now, bool flush)
{
    struct ml_alert_held held;
    char text[ML_ALERT_MAX];

    if (!ml_alert_limit_due(&st.limit, now, flush, &held))
        return;
    ml_alert_held_text(&held, ml_report_file(), text, sizeof(text));
    ml_log_alert(ML_LOG_WARN, ml_clock_epoch_ms(), text);
}

static void write_metrics(const struct ml_agent_status *s)
{
    const char *file = ml_metrics_file();
    char err[ML_ERRBUF];
    char *text;

    if (file[0] == '\0')
        return;
    text = ml_metrics_render(s, ml_host(), (long)getpid());
    if (text == NULL)
        return;
    if (ml_write_atomic(file, text, strlen(text), err, sizeof(err)) != ML_OK) {
        if (strcmp(err, st.metrics_error) != 0)
            ml_log_error("%s (metrics file; will retry)", err);
        snprintf(st.metrics_error, sizeof(st.metrics_error), "%s", err);
    } else if (st.metrics_error[0] != '\0') {
        ml_log(ML_LOG_INFO, "metrics written again to %s", file);
        st.metrics_error[0] = '\0';
    }
    free(text);
}

void ml_status_round(JNIEnv *jni, bool last)
{
    static char lines[2 * ML_ALERT_LEAK_BURST][ML_ALERT_MAX];
    struct ml_reportwrite_stats rs;
    struct ml_event_counts ev;
    struct ml_agent_status s;
    struct ml_mspace_judgement j;
    int64_t now = ml_clock_ms(), committed = -1;
    unsigned n;

    ml_reportwrite_stats(&rs);
    if (st.started && !last && rs.written == st.reports_seen && now - st.last_ms < EVERY_MS)
        return;
    st.started = true;
    st.last_ms = now;
    st.reports_seen = rs.written;
    memset(&s, 0, sizeof(s));
    memset(&j, 0, sizeof(j));
    s.active = !ml_failed();
    s.metaspace_used_bytes = s.metaspace_max_bytes = -1;
    s.submissions_left = s.seconds_left = -1;
    /* A window that is over says what it held back first, so that new leaks start a fresh
     * window and get their own lines. */
    say_held(now, false);
    n = scan(&s, now, last, lines);
    if (ml_mgmt_ready()) {
        ml_mgmt_metaspace(jni, &s.metaspace_used_bytes, &committed, &s.metaspace_max_bytes);
        ml_reportwrite_judge(s.metaspace_used_bytes, committed, s.metaspace_max_bytes, &j);
        s.verdict = j.verdict;
        s.submissions_left = j.submissions_left;
        s.seconds_left = j.ms_left < 0 ? -1 : j.ms_left / 1000;
    }
    ml_events_counts(&ev);
    s.ooms = ev.ooms;
    s.reports_written = rs.written;
    s.last_report = rs.written > 0 ? ml_report_file() : NULL;
    s.last_report_epoch_ms = rs.written > 0 ? rs.last_epoch_ms : -1;
    s.errors = ml_log_errors();
    s.updated_epoch_ms = ml_clock_epoch_ms();
    /* The lines first (they do not depend on JMX), then the file and the MBean. */
    for (unsigned i = 0; i < n; i++)
        ml_log_alert(ML_LOG_WARN, s.updated_epoch_ms, lines[i]);
    if (last)
        say_held(now, true);
    if (s.verdict != NULL)
        verdict_alert(&j, &s, committed, now);
    oom_alert(&ev, &s, now, last);
    write_metrics(&s);
    ml_mbean_update(jni, &s);
}
