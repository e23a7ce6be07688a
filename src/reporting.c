/* Writing a report now: gather what the JVM says (collections, Metaspace), render the registry
 * with report.c, and replace the report file atomically. Worker thread only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "metaleak/atomicfile.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/report.h"

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
}

int ml_reporting_write(JNIEnv *jni, const char *trigger)
{
    struct agent *a = &ml_agent;
    jvmtiEnv *jvmti = a->jvmti;
    struct ml_report_meta meta;
    char err[ML_ERRBUF];
    char *text = NULL;
    int rc;

    if (a->mgmt.ready)
        ml_metaspace_measure(jni);
    fill_meta(jni, &meta, trigger);
    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) != JVMTI_ERROR_NONE)
        return ML_ERR_JVM;
    text = ml_report_render(a->reg, &meta);
    (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
    if (text == NULL) {
        ml_log_error("out of memory rendering the report (trigger %s)", trigger);
        return ML_ERR_NOMEM;
    }
    rc = ml_write_atomic(a->report_path, text, strlen(text), err, sizeof(err));
    cJSON_free(text);
    if (rc != ML_OK) {
        if (strcmp(err, last_error) != 0)
            ml_log_error("%s (report trigger %s; will retry at the next report)", err, trigger);
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
