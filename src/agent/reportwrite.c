/* Writing a report now: gather what the JVM says (collections, Metaspace), render the registry
 * with reportrender.c, and replace the report file atomically. Worker thread only. */
#include "reportwrite.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "classscan.h"
#include "exitbudget.h"
#include "events.h"
#include "jvmerror.h"
#include "metaleak/atomicfile.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/flinkconf.h"
#include "metaleak/reportrender.h"
#include "metaspace.h"
#include "mgmt.h"
#include "refpath.h"
#include "samples.h"
#include "state.h"
#include "metaleak/version.h" /* ML_VERSION, generated from CMakeLists.txt project() */

/* Worker thread only. */
static bool is_flink;                    /* the JVM runs a Flink entry point */
static struct ml_flink_conf flink_conf;  /* its class-loading settings */

void ml_reportwrite_flink_init(jvmtiEnv *jvmti)
{
    char *cmd = NULL;
    char dir[4096];

    if (!ml_jvmti_ok((*jvmti)->GetSystemProperty(jvmti, "sun.java.command", &cmd),
                     ML_ON_ERROR_SKIP, "GetSystemProperty(sun.java.command)") ||
        cmd == NULL)
        return;
    is_flink = strstr(cmd, "org.apache.flink.") != NULL;
    if (is_flink) {
        if (ml_flink_conf_dir(getenv("FLINK_CONF_DIR"), cmd, dir, sizeof(dir)))
            ml_flink_conf_load(dir, cmd, &flink_conf);
        else {
            snprintf(flink_conf.error, sizeof(flink_conf.error),
                     "no FLINK_CONF_DIR and no --configDir on the command line");
            ml_flink_conf_apply_dynamic(cmd, &flink_conf);
        }
    }
    ml_jvmti_free(jvmti, cmd);
}

/* Reports written and the last one (ml_reportwrite_stats). Worker thread only. */
static struct ml_reportwrite_stats stats = {0, -1, NULL};

void ml_reportwrite_stats(struct ml_reportwrite_stats *out)
{
    *out = stats;
}

void ml_reportwrite_judge(int64_t used, int64_t committed, int64_t max,
                          struct ml_mspace_judgement *out)
{
    struct ml_registry *reg = ml_reg();
    struct ml_mspace_inputs in;
    char limit[256];
    const char *size = flink_conf.values[ML_FK_METASPACE_SIZE];

    memset(&in, 0, sizeof(in));
    in.now_ms = ml_clock_ms();
    in.used_bytes = used;
    in.committed_bytes = committed;
    in.max_bytes = max;
    in.first_close_ms = -1;
    in.series = ml_samples();
    if (is_flink) {
        snprintf(limit, sizeof(limit), "taskmanager.memory.jvm-metaspace.size (now %s)",
                 size ? size : "the default, 256m");
        in.limit_setting = limit;
    }
    if (ml_reg_lock()) {
        for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
             l = ml_registry_next(reg, l)) {
            if (!l->verdict.leaked)
                continue;
            in.leaked_loaders++;
            if (l->verdict.state != ML_STATE_UNLOADED && l->metaspace_bytes >= 0) {
                in.leaked_measured++;
                in.leaked_bytes += l->metaspace_bytes;
            }
            if (in.first_close_ms < 0 || l->verdict.closed_ms < in.first_close_ms)
                in.first_close_ms = l->verdict.closed_ms;
        }
        ml_reg_unlock();
    }
    ml_mspace_judge(&in, out);
}

/* The last write error, so that a report directory that stays broken is said once, not every
 * minute; a success after it is said too. */
static char last_error[ML_ERRBUF];

static void fill_meta(JNIEnv *jni, struct ml_report_meta *meta, const char *trigger)
{
    struct ml_mgmt_facts m;
    struct ml_metaspace_facts mf;
    struct ml_event_counts ev;
    struct ml_refpath_stats ps;

    ml_mgmt_facts(&m);
    ml_metaspace_facts(&mf);
    ml_events_counts(&ev);
    ml_refpath_stats(&ps);
    memset(meta, 0, sizeof(*meta));
    meta->trigger = trigger;
    meta->generated_at_epoch_ms = ml_clock_epoch_ms();
    meta->agent_version = ML_VERSION;
    meta->attached = ml_attached();
    meta->opts = ml_opts();
    meta->report_file = ml_report_file();
    meta->metrics_file = ml_metrics_file();
    meta->host = ml_host();
    meta->pid = (long)getpid();
    meta->java_version = m.java_version;
    meta->vm_name = m.vm_name;
    meta->uptime_ms = ml_clock_ms();
    meta->start_epoch_ms = (int64_t)ml_clock_start_time() * 1000;
    for (size_t i = 0; i < m.n_collectors && i < ML_MAX_COLLECTORS; i++)
        meta->collectors[meta->n_collectors++] = m.collectors[i];
    for (size_t i = 0; i < m.n_full && i < ML_MAX_COLLECTORS; i++)
        meta->full_collectors[meta->n_full_collectors++] = m.full[i];
    meta->concurrent = m.concurrent;
    meta->full_gcs = ml_mgmt_ready() ? ml_mgmt_full_gcs(jni) : 0;
    meta->gc_pauses = ev.gc_pauses;
    ml_mgmt_metaspace(jni, &meta->metaspace_used, &meta->metaspace_committed,
                      &meta->metaspace_max);
    ml_mgmt_class_space(jni, &meta->class_space_used, &meta->class_space_committed,
                        &meta->class_space_max);
    meta->metaspace_source = mf.source;
    meta->hidden_class_bytes = mf.hidden_class_bytes;
    meta->metaspace_reserved = mf.reserved_bytes;
    meta->oom_count = ev.ooms;
    meta->oom_last_ms = ev.oom_last_ms;
    meta->oom_first_ms = ev.oom_first_ms;
    if (meta->oom_first_ms == 0)  /* the first error is being recorded right now */
        meta->oom_first_ms = meta->oom_last_ms;
    meta->oom_space = ev.oom_class_space ? "compressed-class-space" : "metaspace";
    meta->samples = ml_samples();
    meta->flink_conf = is_flink ? &flink_conf : NULL;
    meta->path_searches = ps.searches;
    meta->path_walks = ps.heap_walks;
    meta->last_search_ms = ps.last_search_ms;
    meta->path_deferred_searches = ps.deferred_searches;
    meta->path_walks_cut = ps.walks_cut;
    meta->path_walks_filtered = ps.walks_filtered;
    meta->path_longest_walk_ms = ps.longest_walk_ms;
    meta->path_walk_rate_mb_per_s = ps.walk_rate_mb_per_s;
    meta->path_walk_estimate_ms = ps.walk_estimate_ms;
    meta->path_deferred_reason = ps.deferred_reason;
}

int ml_reportwrite(JNIEnv *jni, const char *trigger)
{
    const char *file = ml_report_file();
    struct ml_report_meta meta;
    struct ml_mspace_judgement judgement;
    char err[ML_ERRBUF];
    char *text = NULL;
    int rc;
    int64_t t_start = ml_clock_ms(), t_render, t_write;
    size_t len;

    if (ml_mgmt_ready()) {
        ml_metaspace_measure_if_due(jni, strcmp(trigger, "interval") == 0,
                                    strcmp(trigger, "request") == 0 ||
                                        strcmp(trigger, "metaspace-oom") == 0,
                                    strcmp(trigger, "exit") == 0);
        ml_samples_take(jni, false);
    }
    fill_meta(jni, &meta, trigger);
    ml_reportwrite_judge(meta.metaspace_used, meta.metaspace_committed, meta.metaspace_max,
                         &judgement);
    meta.judgement = &judgement;
    ml_classscan_run(jni);
    if (!ml_reg_lock())
        return ML_ERR_JVM;
    t_render = ml_clock_ms();
    text = ml_report_render(ml_reg(), &meta);
    ml_reg_unlock();
    if (text == NULL) {
        ml_log_error("out of memory rendering the report (trigger %s)", trigger);
        return ML_ERR_NOMEM;
    }
    t_write = ml_clock_ms();
    len = strlen(text);
    rc = ml_write_atomic(file, text, len, err, sizeof(err));
    free(text);
    ml_log(ML_LOG_DEBUG, "report (trigger %s): %zu bytes; measure and scan %lld ms, render %lld ms "
           "(registry locked), write %lld ms", trigger, len, (long long)(t_render - t_start),
           (long long)(t_write - t_render), (long long)(ml_clock_ms() - t_write));
    ml_exit_note_report_ms(ml_clock_ms() - t_start);
    if (rc != ML_OK) {
        /* The exit report is the last one: there is no next report to retry at. */
        if (strcmp(err, last_error) != 0)
            ml_log_error("%s (report trigger %s; %s)", err, trigger,
                         strcmp(trigger, "exit") == 0 ? "the JVM is exiting, no retry"
                                                      : "will retry at the next report");
        snprintf(last_error, sizeof(last_error), "%s", err);
        return rc;
    }
    if (last_error[0] != '\0') {
        ml_log(ML_LOG_INFO, "report written again to %s", file);
        last_error[0] = '\0';
    }
    stats.written++;
    stats.last_epoch_ms = ml_clock_epoch_ms();
    stats.last_trigger = trigger;
    ml_log(strcmp(trigger, "interval") == 0 ? ML_LOG_DEBUG : ML_LOG_INFO,
           "report written to %s (trigger %s)", file, trigger);
    return ML_OK;
}
