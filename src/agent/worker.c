/* The worker thread ("metaleak" in jstack): everything that needs JNI or takes time. It
 * replays the classes that existed before the agent's events, describes new loaders, notices
 * closes and unloads, counts full collections, gives verdicts and writes reports.
 *
 * It wakes on requests from the callbacks (new loader, ObjectFree, GC finished, report, OOM,
 * shutdown checkpoint, VM death) and at least every TICK_MS to poll whether live loaders have
 * been closed: there is no event for URLClassLoader.close(), and a breakpoint on it would cost
 * every application thread. */
#include <string.h>

#include "agent.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"

#define TICK_MS 500
#define WRAPPER_SCAN_MS 120000  /* look for a user-code loader's wrapper this long */
#define SAMPLE_MS 10000         /* Metaspace sample at least this often */
#define POLLS_PER_PASS 10000    /* live loaders whose closed flag one pass reads, at most */
#define COALESCE_ABOVE 1000     /* live loaders above which new loaders wait for the tick */
#define SEARCH_GAP_MS 30000     /* automatic path searches at least this far apart... */
#define SEARCH_GAP_FACTOR 20    /* ...and at least 20 times their own duration */

struct pass_result {
    unsigned new_leaks;
    unsigned new_closes;
    unsigned closed_unproven;  /* closed, alive, not yet leaked (wrappers excluded) */
    bool want_wrapper_scan;
};

static void unload(JNIEnv *jni, struct ml_loader *l, int64_t when)
{
    struct agent *a = &ml_agent;

    ml_verdict_unload(&l->verdict, when);
    if (l->handle != NULL) {
        (*jni)->DeleteWeakGlobalRef(jni, (jweak)l->handle);
        l->handle = NULL;
    }
    ml_registry_note_unloaded(a->reg, l);
}

static void log_leak(const struct ml_loader *l)
{
    ml_log(ML_LOG_INFO,
           "loader %llu (%s@%x%s%s) leaked: closed at %lld ms, alive after %llu full collections",
           (unsigned long long)l->id, l->class_name ? l->class_name : "?", l->identity_hash,
           l->job_id[0] ? ", job " : "", l->job_id, (long long)l->verdict.closed_ms,
           (unsigned long long)l->verdict.gcs_since_close);
}

/* Full collections a closed loader must survive to be leaked. The first one after the close
 * is not counted: an object with a finalize() method keeps everything it references alive for
 * one more collection (Flink's SystemProcessingTimeService does this to every finished task's
 * user function, and so to the job's loader). A concurrent collector may have had a cycle
 * running at the close, so one more is needed there. */
static uint64_t needed_gcs(void)
{
    struct agent *a = &ml_agent;

    return a->opts.leak_gcs + 1u + (a->mgmt.concurrent ? 1u : 0u);
}

/* Lets the JVM's Finalizer thread run what the last collection queued, so that the next forced
 * collection frees what finalizable objects were holding: waits until no object is pending
 * finalization (MemoryMXBean), 50 ms at least and 2 s at most. No new thread is started (at the
 * shutdown checkpoint a new thread would wait for the checkpoint itself). */
static void let_finalizers_run(JNIEnv *jni)
{
    struct agent *a = &ml_agent;

    for (int waited = 0; waited < 2000; waited += 50) {
        jvmtiError err = (*a->jvmti)->RawMonitorEnter(a->jvmti, a->wake_lock);

        if (err == JVMTI_ERROR_NONE) {
            (*a->jvmti)->RawMonitorWait(a->jvmti, a->wake_lock, 50);
            (*a->jvmti)->RawMonitorExit(a->jvmti, a->wake_lock);
        }
        if (ml_mgmt_pending_finalization(jni, &a->mgmt) <= 0)
            break;
    }
}

/* One look at every loader. Holds reg_lock (never taken by GC callbacks or ObjectFree). */
static int pass(jvmtiEnv *jvmti, JNIEnv *jni, struct pass_result *res)
{
    struct agent *a = &ml_agent;
    uint64_t full = ml_mgmt_full_gcs(jni, &a->mgmt);
    uint64_t needed = needed_gcs();
    int64_t now = ml_clock_ms();
    int rc = ML_OK;

    /* Reading a closed flag costs a few JNI calls: with many live loaders, each pass reads a
     * rotating share of them (every loader at least every `stride` passes), so that 100 000 live
     * loaders cost a tenth of the worker, not all of it (docs/reliability.md). */
    uint32_t stride = a->poll_all ? 1 : 1 + a->live_url_loaders / POLLS_PER_PASS;
    uint32_t live_url = 0;

    a->poll_round++;
    memset(res, 0, sizeof(*res));
    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) != JVMTI_ERROR_NONE)
        return ML_ERR_JVM;
    for (struct ml_loader *l = ml_registry_next(a->reg, NULL); l != NULL && rc == ML_OK;
         l = ml_registry_next(a->reg, l)) {
        struct ml_verdict *v = &l->verdict;
        int64_t freed = atomic_load(&l->freed_ms);

        if (l->id == 0 || v->state == ML_STATE_UNLOADED)
            continue;
        if (freed >= 0) {
            unload(jni, l, freed);
            continue;
        }
        if (!l->inspected)
            rc = ml_inspect_loader(jvmti, jni, l);
        bool polled = v->state == ML_STATE_LIVE &&
                      (l->url_loader || l->role == ML_ROLE_WRAPPER) &&
                      live_url++ % stride == a->poll_round % stride;
        /* Collected before any pass saw it closed (16 threads creating and dropping loaders
         * within milliseconds do that), or dropped without close(): its ObjectFree may come only
         * later, and the exit report must not call it live. */
        if (v->state == ML_STATE_LIVE && (polled || a->poll_all) &&
            (*jni)->IsSameObject(jni, (jweak)l->handle, NULL)) {
            unload(jni, l, now);
            continue;
        }
        if (polled) {
            bool ok = true;

            if (ml_inspect_closed(jni, &a->ids, l, &ok)) {
                /* Count only collections that start after we saw the close. */
                ml_verdict_close(v, now, ml_mgmt_full_gcs(jni, &a->mgmt));
                res->new_closes++;
                a->closes_seen++;
                ml_log(ML_LOG_DEBUG, "loader %llu (%s) closed", (unsigned long long)l->id,
                       l->class_name ? l->class_name : "?");
            }
        }
        if (v->state == ML_STATE_CLOSED || v->state == ML_STATE_LEAKED) {
            /* IsSameObject on a weak reference does not keep the object alive. */
            if ((*jni)->IsSameObject(jni, (jweak)l->handle, NULL)) {
                ml_verdict_gc(v, full, needed, false, now);
                unload(jni, l, now);
                continue;
            }
            if (l->role == ML_ROLE_WRAPPER)
                continue; /* holds no classes: never a leak by itself */
            /* Released by a shutdown hook: threads may still be using it while the JVM goes
             * down (a TaskManager stopped with running jobs). Not a leak we can prove. */
            if (a->checkpoint_end_ms >= 0 && v->closed_ms > a->checkpoint_end_ms)
                continue;
            if (ml_verdict_gc(v, full, needed, true, now)) {
                res->new_leaks++;
                log_leak(l);
            }
            if (v->state == ML_STATE_CLOSED)
                res->closed_unproven++;
        }
        if (l->role == ML_ROLE_USER_CODE && v->state == ML_STATE_LIVE &&
            l->wrapper_id == ML_ID_NONE && now - l->first_seen_ms < WRAPPER_SCAN_MS)
            res->want_wrapper_scan = true;
    }
    (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
    a->live_url_loaders = live_url;
    a->last_pass_ms = ml_clock_ms();
    if (rc == ML_OK && res->want_wrapper_scan)
        rc = ml_inspect_wrappers(jvmti, jni);
    return rc;
}

/* Forces collections until every closed loader has a verdict (bounded by the number of
 * collections a verdict needs). With `finalize`, pending finalizers run between the forced
 * collections (not at VM death, where no new thread may start). */
static int verify(jvmtiEnv *jvmti, JNIEnv *jni, struct pass_result *res, unsigned *new_leaks,
                  bool finalize)
{
    struct agent *a = &ml_agent;
    uint64_t rounds = needed_gcs() + 1u;
    int rc;

    a->poll_all = true; /* the exit verdicts need every close seen */
    rc = pass(jvmti, jni, res);

    *new_leaks = res->new_leaks;
    if (a->mgmt.n_full == 0)
        return rc; /* no collection could prove anything (docs/gc.md) */
    for (uint64_t i = 0; rc == ML_OK && i < rounds && res->closed_unproven > 0; i++) {
        jvmtiError err;

        ml_log(ML_LOG_DEBUG, "forcing a collection: %u closed loaders without a verdict",
               res->closed_unproven);
        err = (*jvmti)->ForceGarbageCollection(jvmti);
        if (err != JVMTI_ERROR_NONE) {
            if (err != JVMTI_ERROR_WRONG_PHASE)
                ml_agent_fail("ForceGarbageCollection", err);
            return ML_ERR_JVM;
        }
        if (finalize)
            let_finalizers_run(jni);
        rc = pass(jvmti, jni, res);
        *new_leaks += res->new_leaks;
    }
    return rc;
}

/* Counts the classes that were prepared before our ClassPrepare events (VM start-up phases,
 * or everything on a late attach). */
static int replay(jvmtiEnv *jvmti, JNIEnv *jni)
{
    jclass *classes = NULL;
    jint n = 0;
    jvmtiError err = (*jvmti)->GetLoadedClasses(jvmti, &n, &classes);

    if (err != JVMTI_ERROR_NONE) {
        ml_agent_fail("GetLoadedClasses", err);
        return ML_ERR_JVM;
    }
    for (jint i = 0; i < n; i++) {
        jint status = 0;

        if ((*jvmti)->GetClassStatus(jvmti, classes[i], &status) == JVMTI_ERROR_NONE &&
            (status & JVMTI_CLASS_STATUS_PREPARED) != 0 &&
            (status & (JVMTI_CLASS_STATUS_ARRAY | JVMTI_CLASS_STATUS_PRIMITIVE)) == 0)
            ml_events_count_class(jvmti, jni, classes[i], true);
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    (*jvmti)->Deallocate(jvmti, (unsigned char *)classes);
    ml_log(ML_LOG_DEBUG, "replayed %d existing classes", (int)n);
    return ML_OK;
}

/* Waits for requests or the tick; returns the requests taken. */
static unsigned wait_requests(jvmtiEnv *jvmti)
{
    struct agent *a = &ml_agent;
    unsigned req;

    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        return ML_REQ_SHUTDOWN;
    if (a->requests == 0 && atomic_load(&a->posted) == 0)
        (*jvmti)->RawMonitorWait(jvmti, a->wake_lock, TICK_MS);
    req = a->requests;
    a->requests = 0;
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
    /* Posted without a lock by GC callbacks and ObjectFree: taken at the next tick at the latest. */
    return req | atomic_exchange(&a->posted, 0u);
}

/* Marks a flag done under wake_lock and wakes whoever waits for it. */
static void signal_done(jvmtiEnv *jvmti, bool *flag, uint64_t *counter)
{
    struct agent *a = &ml_agent;

    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        return;
    if (flag != NULL)
        *flag = true;
    if (counter != NULL)
        (*counter)++;
    (*jvmti)->RawMonitorNotifyAll(jvmti, a->wake_lock);
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
}

/* Registers an empty shutdown hook (a java.lang.Thread with no task), so that the shutdown
 * checkpoint in on_thread_start happens at every orderly exit. */
static void register_shutdown_hook(JNIEnv *jni)
{
    jclass rt_cls = (*jni)->FindClass(jni, "java/lang/Runtime");
    jclass thr_cls = (*jni)->FindClass(jni, "java/lang/Thread");
    jmethodID get_rt = rt_cls == NULL ? NULL
                                      : (*jni)->GetStaticMethodID(jni, rt_cls, "getRuntime",
                                                                  "()Ljava/lang/Runtime;");
    jmethodID add = rt_cls == NULL ? NULL
                                   : (*jni)->GetMethodID(jni, rt_cls, "addShutdownHook",
                                                         "(Ljava/lang/Thread;)V");
    jmethodID ctor = thr_cls == NULL ? NULL
                                     : (*jni)->GetMethodID(jni, thr_cls, "<init>",
                                                           "(Ljava/lang/String;)V");
    jstring name = NULL;
    jobject rt = NULL, hook = NULL;

    if (get_rt == NULL || add == NULL || ctor == NULL)
        goto cleanup;
    name = (*jni)->NewStringUTF(jni, "metaleak-shutdown");
    rt = name == NULL ? NULL : (*jni)->CallStaticObjectMethod(jni, rt_cls, get_rt);
    hook = rt == NULL ? NULL : (*jni)->NewObject(jni, thr_cls, ctor, name);
    if (hook != NULL)
        (*jni)->CallVoidMethod(jni, rt, add, hook);
cleanup:
    if ((*jni)->ExceptionCheck(jni)) {
        (*jni)->ExceptionClear(jni);
        ml_log(ML_LOG_DEBUG, "could not register the shutdown checkpoint hook");
    }
    if (hook != NULL)
        (*jni)->DeleteLocalRef(jni, hook);
    if (rt != NULL)
        (*jni)->DeleteLocalRef(jni, rt);
    if (name != NULL)
        (*jni)->DeleteLocalRef(jni, name);
    if (thr_cls != NULL)
        (*jni)->DeleteLocalRef(jni, thr_cls);
    if (rt_cls != NULL)
        (*jni)->DeleteLocalRef(jni, rt_cls);
}

static int start(jvmtiEnv *jvmti, JNIEnv *jni)
{
    struct agent *a = &ml_agent;

    if (replay(jvmti, jni) != ML_OK)
        return ML_ERR_JVM;
    atomic_store_explicit(&a->replaying, false, memory_order_release);
    if (ml_mgmt_init(jvmti, jni, &a->mgmt) != ML_OK) {
        ml_agent_fail("cannot read the JVM's collector accounting", JVMTI_ERROR_NONE);
        return ML_ERR_JVM;
    }
    ml_reporting_flink_init(jvmti);
    a->checkpoint_end_ms = -1;
    a->last_search_ms = -1;
    a->last_search_end_ms = -1;
    a->sample_ms = -1;
    a->sample_full_gcs = ml_mgmt_full_gcs(jni, &a->mgmt);
    ml_reporting_sample(jni, false);
    if (ml_events_enable_late(jvmti) != ML_OK) {
        ml_agent_fail("cannot enable GC events", JVMTI_ERROR_NONE);
        return ML_ERR_JVM;
    }
    return ML_OK;
}

/* A Metaspace sample after every full collection (the post-GC baseline), and at most every
 * SAMPLE_MS otherwise. */
static void sample_if_due(JNIEnv *jni)
{
    struct agent *a = &ml_agent;
    uint64_t full = ml_mgmt_full_gcs(jni, &a->mgmt);

    if (full != a->sample_full_gcs) {
        a->sample_full_gcs = full;
        ml_reporting_sample(jni, true);
    } else if (a->sample_ms < 0 || ml_clock_ms() - a->sample_ms >= SAMPLE_MS) {
        ml_reporting_sample(jni, false);
    }
    /* Half of a Metaspace limit committed: prepare the per-loader measurement while classes
     * can still be loaded, so that the report at a Metaspace OOM has it. */
    if (!a->mgmt.dcmd_tried) {
        int64_t used, committed, max;

        ml_mgmt_metaspace(jni, &a->mgmt, &used, &committed, &max);
        if (max > 0 && committed * 2 >= max)
            ml_metaspace_prepare(jni);
    }
}

/* Runs a reference-path search when a loader needs one: at once for the shutdown checkpoint,
 * a Metaspace OOM, a report request and the exit, otherwise rate-limited (the walks stop the
 * world). Returns the number of loaders that got a path; *proven those that the path proved
 * leaked. */
static unsigned search_if_due(JNIEnv *jni, unsigned req, unsigned *proven)
{
    struct agent *a = &ml_agent;
    int64_t now = ml_clock_ms();
    unsigned found = 0;
    const char *why = "leak";

    *proven = 0;
    if (!a->opts.paths || !ml_paths_pending(now))
        return 0;
    if ((req & ML_REQ_CHECKPOINT) != 0)
        why = "shutdown checkpoint";
    else if ((req & ML_REQ_OOM) != 0)
        why = "metaspace-oom";
    else if ((req & ML_REQ_SHUTDOWN) != 0)
        why = "exit";
    else if ((req & ML_REQ_REPORT) != 0)
        why = "request";
    else if (a->last_search_end_ms >= 0 &&
             (now - a->last_search_end_ms < SEARCH_GAP_MS ||
              now - a->last_search_end_ms < SEARCH_GAP_FACTOR * a->last_search_ms))
        return 0;
    ml_paths_search(jni, why, proven, &found);
    return found;
}

/* One round of work for the requests in req. Returns false when the worker should end. */
static bool round_of_work(jvmtiEnv *jvmti, JNIEnv *jni, unsigned req, int64_t *next_interval)
{
    struct agent *a = &ml_agent;
    struct pass_result res;
    unsigned new_leaks = 0, proven = 0, new_paths = 0;
    int rc;

    if (atomic_load(&a->failed))
        return false;
    /* With many live loaders, new loaders alone do not start a pass before a tick has passed
     * since the last one: a pass visits every record, and a burst of new loaders (100 000 in a
     * stress run) would run passes back to back. With few, a new loader gets its pass at once
     * (a Flink task's SafetyNet wrapper is found only while the task runs). The Metaspace
     * sample (and the per-loader measurement's preparation at half the limit) always runs. */
    if ((req & ~ML_REQ_NEW_LOADER) == 0 && req != 0 && a->live_url_loaders > COALESCE_ABOVE &&
        ml_clock_ms() - a->last_pass_ms < TICK_MS) {
        sample_if_due(jni);
        return true;
    }
    /* At VM death HotSpot has stopped the threads of concurrent collectors: forcing a
     * collection then would wait forever. The shutdown checkpoint came before that. */
    if (a->opts.verify_on_exit && ((req & ML_REQ_CHECKPOINT) != 0 ||
                                   ((req & ML_REQ_SHUTDOWN) != 0 && !a->mgmt.concurrent))) {
        rc = verify(jvmti, jni, &res, &new_leaks, (req & ML_REQ_SHUTDOWN) == 0);
    } else {
        rc = pass(jvmti, jni, &res);
        new_leaks = res.new_leaks;
    }
    if (rc != ML_OK)
        return false;
    /* At a Metaspace OOM the report comes first (Flink exits right after), the search after. */
    if ((req & ML_REQ_OOM) == 0) {
        new_paths = search_if_due(jni, req, &proven);
        new_leaks += proven;
    }
    /* The first released loader is the first hint of a leak: prepare the per-loader Metaspace
     * measurement now, while Metaspace is not exhausted (it loads JMX classes once). */
    if (a->closes_seen > 0 && !a->mgmt.dcmd_tried)
        ml_metaspace_prepare(jni);
    sample_if_due(jni);
    if ((req & ML_REQ_SHUTDOWN) != 0) {
        ml_reporting_write(jni, "exit");
        return false;
    }
    if ((req & ML_REQ_CHECKPOINT) != 0) {
        a->checkpoint_end_ms = ml_clock_ms();
        signal_done(jvmti, &a->checkpoint_done, NULL);
    }
    if ((req & ML_REQ_OOM) != 0) {
        ml_reporting_write(jni, "metaspace-oom");
        signal_done(jvmti, NULL, &a->oom_reports);
        if (search_if_due(jni, req, &proven) > 0)
            ml_reporting_write(jni, "metaspace-oom");
    } else if (new_leaks > 0 || new_paths > 0) {
        ml_reporting_write(jni, "leak");
    } else if ((req & ML_REQ_REPORT) != 0) {
        ml_reporting_write(jni, "request");
    } else if (a->opts.interval_s > 0 && ml_clock_ms() >= *next_interval) {
        ml_reporting_write(jni, "interval");
    } else {
        return true;
    }
    if (a->opts.interval_s > 0)
        *next_interval = ml_clock_ms() + (int64_t)a->opts.interval_s * 1000;
    return true;
}

static void JNICALL worker_main(jvmtiEnv *jvmti, JNIEnv *jni, void *arg)
{
    struct agent *a = &ml_agent;
    int64_t next_interval = ml_clock_ms() + (int64_t)a->opts.interval_s * 1000;
    bool go;

    (void)arg;
    atomic_store(&a->worker_jni, jni);
    go = start(jvmti, jni) == ML_OK;
    while (go) {
        unsigned req = wait_requests(jvmti);

        if ((*jni)->PushLocalFrame(jni, 64) != 0) {
            (*jni)->ExceptionClear(jni);
            ml_agent_fail("out of memory for JNI local references", JVMTI_ERROR_NONE);
            break;
        }
        go = round_of_work(jvmti, jni, req, &next_interval);
        (*jni)->PopLocalFrame(jni, NULL);
    }
    signal_done(jvmti, &a->worker_done, NULL);
    /* Release a waiting shutdown-hook thread even if the worker ended early. */
    signal_done(jvmti, &a->checkpoint_done, NULL);
}

static int enable_thread_start(jvmtiEnv *jvmti)
{
    jvmtiError err = (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE,
                                                        JVMTI_EVENT_THREAD_START, NULL);
    char buf[96];

    if (err == JVMTI_ERROR_NONE)
        return ML_OK;
    ml_log_error("cannot enable ThreadStart events: %s",
                 ml_jvmti_error_name(jvmti, err, buf, sizeof(buf)));
    return ML_ERR_JVM;
}

int ml_worker_start(jvmtiEnv *jvmti, JNIEnv *jni)
{
    struct agent *a = &ml_agent;
    jclass cls = (*jni)->FindClass(jni, "java/lang/Thread");
    jmethodID ctor = cls == NULL ? NULL
                                 : (*jni)->GetMethodID(jni, cls, "<init>", "(Ljava/lang/String;)V");
    jstring name = ctor == NULL ? NULL : (*jni)->NewStringUTF(jni, "metaleak");
    jobject thread = name == NULL ? NULL : (*jni)->NewObject(jni, cls, ctor, name);
    jvmtiError err;
    int rc = ML_ERR_JVM;

    /* Synchronously, before the application's main() (or at attach): the JDK fields we read,
     * and the shutdown checkpoint, which even a JVM that exits at once must get. */
    if (ml_inspect_init(jni, &a->ids) != ML_OK)
        goto cleanup;
    if (a->ids.hooks_cls != NULL && a->opts.verify_on_exit) {
        register_shutdown_hook(jni);
        if (enable_thread_start(jvmti) != ML_OK)
            goto cleanup;
    }
    if (thread == NULL) {
        (*jni)->ExceptionClear(jni);
        goto cleanup;
    }
    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        goto cleanup;
    a->worker_running = true;
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
    err = (*jvmti)->RunAgentThread(jvmti, thread, worker_main, NULL, JVMTI_THREAD_NORM_PRIORITY);
    if (err != JVMTI_ERROR_NONE) {
        char buf[96];

        ml_log_error("RunAgentThread: %s", ml_jvmti_error_name(jvmti, err, buf, sizeof(buf)));
        signal_done(jvmti, &a->worker_done, NULL);
        goto cleanup;
    }
    rc = ML_OK;
cleanup:
    if (thread != NULL)
        (*jni)->DeleteLocalRef(jni, thread);
    if (name != NULL)
        (*jni)->DeleteLocalRef(jni, name);
    if (cls != NULL)
        (*jni)->DeleteLocalRef(jni, cls);
    return rc;
}
