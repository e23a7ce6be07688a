/* Writing a report now: gather what the JVM says (collections, Metaspace), render the registry
 * with report.c, and replace the report file atomically. Worker thread only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent.h"
#include "metaleak/atomicfile.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/report.h"

/* Live loaders and live classes, for a sample. */
static void totals(uint64_t *loaders, uint64_t *classes)
{
    struct agent *a = &ml_agent;
    jvmtiEnv *jvmti = a->jvmti;

    *loaders = *classes = 0;
    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) != JVMTI_ERROR_NONE)
        return;
    for (struct ml_loader *l = ml_registry_next(a->reg, NULL); l != NULL;
         l = ml_registry_next(a->reg, l)) {
        if (l->verdict.state == ML_STATE_UNLOADED)
            continue;
        (*loaders)++;
        *classes += ml_loader_classes_live(l);
    }
    (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
}

void ml_reporting_sample(JNIEnv *jni, bool after_full_gc)
{
    struct agent *a = &ml_agent;
    struct ml_ms_sample s;
    int64_t max;

    if (!a->mgmt.ready)
        return;
    s.t_ms = ml_clock_ms();
    s.after_full_gc = after_full_gc;
    ml_mgmt_metaspace(jni, &a->mgmt, &s.used_bytes, &s.committed_bytes, &max);
    totals(&s.loaders_live, &s.classes_live);
    ml_ms_series_add(&a->samples, &s);
    a->sample_ms = s.t_ms;
}

void ml_reporting_flink_init(jvmtiEnv *jvmti)
{
    struct agent *a = &ml_agent;
    char *cmd = NULL;
    char dir[4096];

    if ((*jvmti)->GetSystemProperty(jvmti, "sun.java.command", &cmd) != JVMTI_ERROR_NONE ||
        cmd == NULL)
        return;
    a->is_flink = strstr(cmd, "org.apache.flink.") != NULL;
    if (a->is_flink) {
        if (ml_flink_conf_dir(getenv("FLINK_CONF_DIR"), cmd, dir, sizeof(dir)))
            ml_flink_conf_load(dir, cmd, &a->flink_conf);
        else {
            snprintf(a->flink_conf.error, sizeof(a->flink_conf.error),
                     "no FLINK_CONF_DIR and no --configDir on the command line");
            ml_flink_conf_apply_dynamic(cmd, &a->flink_conf);
        }
    }
    (*jvmti)->Deallocate(jvmti, (unsigned char *)cmd);
}

/* The Metaspace verdict from the leaks, the samples and the limit. */
static void judge(const struct ml_report_meta *meta, struct ml_ms_judgement *out)
{
    struct agent *a = &ml_agent;
    jvmtiEnv *jvmti = a->jvmti;
    struct ml_ms_inputs in;
    char limit[256];
    const char *size = a->flink_conf.values[ML_FK_METASPACE_SIZE];

    memset(&in, 0, sizeof(in));
    in.now_ms = ml_clock_ms();
    in.used_bytes = meta->metaspace_used;
    in.committed_bytes = meta->metaspace_committed;
    in.max_bytes = meta->metaspace_max;
    in.first_close_ms = -1;
    in.series = &a->samples;
    if (a->is_flink) {
        snprintf(limit, sizeof(limit), "taskmanager.memory.jvm-metaspace.size (now %s)",
                 size ? size : "the default, 256m");
        in.limit_setting = limit;
    }
    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) == JVMTI_ERROR_NONE) {
        for (struct ml_loader *l = ml_registry_next(a->reg, NULL); l != NULL;
             l = ml_registry_next(a->reg, l)) {
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
        (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
    }
    ml_ms_judge(&in, out);
}

#define INTERVAL_MEASURE_MS (10 * 60 * 1000)

/* Per-loader Metaspace costs two safepoints (about 0.2 s at 10 000 loaders) and, the first
 * time, the platform MBean server (about 0.15 s and 500 classes). So: only once a loader was
 * released or half the Metaspace limit committed (the worker then prepares it), and for
 * periodic reports at most every 10 minutes. */
static bool measure_due(const char *trigger)
{
    struct agent *a = &ml_agent;
    static int64_t last_ms = -1;
    int64_t now = ml_clock_ms();

    if (!a->mgmt.dcmd_tried && a->closes_seen == 0) {
        snprintf(a->mgmt.metaspace_source, sizeof(a->mgmt.metaspace_source),
                 "not measured: no class loader released yet");
        return false;
    }
    if (strcmp(trigger, "interval") == 0 && last_ms >= 0 && now - last_ms < INTERVAL_MEASURE_MS)
        return false;
    last_ms = now;
    return true;
}

/* The last write error, so that a report directory that stays broken is said once, not every
 * minute; a success after it is said too. */
static char last_error[ML_ERRBUF];

static void fill_meta(JNIEnv *jni, struct ml_report_meta *meta, const char *trigger)
{
    struct agent *a = &ml_agent;
    const struct ml_mgmt *m = &a->mgmt;

    memset(meta, 0, sizeof(*meta));
    meta->trigger = trigger;
    meta->generated_at_epoch_ms = ml_clock_epoch_ms();
    meta->agent_version = ML_VERSION;
    meta->attached = a->attached;
    meta->opts = &a->opts;
    meta->report_path = a->report_path;
    meta->pid = (long)getpid();
    meta->java_version = m->java_version;
    meta->vm_name = m->vm_name;
    meta->uptime_ms = ml_clock_ms();
    meta->start_epoch_ms = (int64_t)ml_clock_start_time() * 1000;
    for (size_t i = 0; i < m->n_collectors && i < ML_MAX_COLLECTORS; i++)
        meta->collectors[meta->n_collectors++] = m->collector_names[i];
    for (size_t i = 0; i < m->n_full && i < ML_MAX_COLLECTORS; i++)
        meta->full_collectors[meta->n_full_collectors++] = m->full_names[i];
    meta->concurrent = m->concurrent;
    meta->full_gcs = m->ready ? ml_mgmt_full_gcs(jni, m) : 0;
    meta->gc_pauses = atomic_load(&a->gc_pauses);
    ml_mgmt_metaspace(jni, m, &meta->metaspace_used, &meta->metaspace_committed,
                      &meta->metaspace_max);
    ml_mgmt_class_space(jni, m, &meta->class_space_used, &meta->class_space_committed,
                        &meta->class_space_max);
    meta->metaspace_source = m->metaspace_source[0] ? m->metaspace_source : NULL;
    meta->hidden_class_bytes = m->dcmd_tried ? m->hidden_unjoined_bytes : -1;
    meta->metaspace_reserved = m->dcmd_tried ? m->reserved_bytes : -1;
    meta->oom_count = atomic_load(&a->ooms);
    meta->oom_last_ms = atomic_load(&a->oom_last_ms);
    meta->oom_first_ms = atomic_load(&a->oom_first_ms);
    if (meta->oom_first_ms == 0)  /* the first error is being recorded right now */
        meta->oom_first_ms = meta->oom_last_ms;
    meta->oom_space = atomic_load(&a->oom_class_space) ? "compressed-class-space" : "metaspace";
}

int ml_reporting_write(JNIEnv *jni, const char *trigger)
{
    struct agent *a = &ml_agent;
    jvmtiEnv *jvmti = a->jvmti;
    struct ml_report_meta meta;
    struct ml_ms_judgement judgement;
    char err[ML_ERRBUF];
    char *text = NULL;
    int rc;
    int64_t t_start = ml_clock_ms(), t_render, t_write;
    size_t len;

    if (a->mgmt.ready) {
        if (measure_due(trigger))
            ml_metaspace_measure(jni);
        ml_reporting_sample(jni, false);
    }
    fill_meta(jni, &meta, trigger);
    judge(&meta, &judgement);
    meta.judgement = &judgement;
    meta.samples = &a->samples;
    meta.flink_conf = a->is_flink ? &a->flink_conf : NULL;
    ml_classscan_run(jni);
    meta.path_searches = a->path_searches;
    meta.path_walks = a->path_walks;
    meta.last_search_ms = a->last_search_ms;
    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) != JVMTI_ERROR_NONE)
        return ML_ERR_JVM;
    t_render = ml_clock_ms();
    text = ml_report_render(a->reg, &meta);
    (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
    if (text == NULL) {
        ml_log_error("out of memory rendering the report (trigger %s)", trigger);
        return ML_ERR_NOMEM;
    }
    t_write = ml_clock_ms();
    len = strlen(text);
    rc = ml_write_atomic(a->report_path, text, len, err, sizeof(err));
    cJSON_free(text);
    ml_log(ML_LOG_DEBUG, "report (trigger %s): %zu bytes; measure and scan %lld ms, render %lld ms "
           "(registry locked), write %lld ms", trigger, len, (long long)(t_render - t_start),
           (long long)(t_write - t_render), (long long)(ml_clock_ms() - t_write));
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
        ml_log(ML_LOG_INFO, "report written again to %s", a->report_path);
        last_error[0] = '\0';
    }
    ml_log(strcmp(trigger, "interval") == 0 ? ML_LOG_DEBUG : ML_LOG_INFO,
           "report written to %s (trigger %s)", a->report_path, trigger);
    return ML_OK;
}
