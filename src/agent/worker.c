/* The worker thread ("metaleak" in jstack): everything that needs JNI or takes time. It
 * replays the classes that existed before the agent's events (replay.c), then, round after
 * round, runs a pass over the loaders (pass.c), searches reference paths when a loader needs one
 * (refpath.c), samples Metaspace (samples.c) and writes the reports that are due
 * (reportwrite.c).
 *
 * It wakes on requests from the callbacks (new loader, ObjectFree, GC finished, report, OOM,
 * shutdown checkpoint, VM death) and at least every TICK_MS to poll whether live loaders have
 * been closed: there is no event for URLClassLoader.close(), and a breakpoint on it would cost
 * every application thread. */
#include "worker.h"

#include <string.h>

#include "events.h"
#include "jdkids.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaspace.h"
#include "mgmt.h"
#include "pass.h"
#include "refpath.h"
#include "replay.h"
#include "reportwrite.h"
#include "samples.h"
#include "state.h"
#include "status.h"

#define TICK_MS 500
#define GATHER_MS 100           /* new loaders are gathered this long after a pass... */
#define COALESCE_ABOVE 1000     /* ...and a whole tick above this many live loaders */

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
    if (ml_jni_clear(jni))
        ml_log(ML_LOG_DEBUG, "could not register the shutdown checkpoint hook");
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
    if (ml_replay_run(jvmti, jni) != ML_OK)
        return ML_ERR_JVM;
    if (ml_mgmt_init(jvmti, jni) != ML_OK) {
        ml_fail("cannot read the JVM's collector accounting", JVMTI_ERROR_NONE);
        return ML_ERR_JVM;
    }
    ml_reportwrite_flink_init(jvmti);
    ml_samples_start(jni);
    if (ml_events_enable_late(jvmti) != ML_OK) {
        ml_fail("cannot enable GC events", JVMTI_ERROR_NONE);
        return ML_ERR_JVM;
    }
    return ML_OK;
}

/* One round of work for the requests in req. Returns false when the worker should end. */
static bool round_of_work(jvmtiEnv *jvmti, JNIEnv *jni, unsigned req, int64_t *next_interval)
{
    const struct ml_options *opts = ml_opts();
    struct ml_pass_result res;
    unsigned new_candidates = 0, new_leaks = 0, proven = 0, withdrawn = 0, new_paths = 0;
    bool final = (req & (ML_REQ_CHECKPOINT | ML_REQ_SHUTDOWN)) != 0;
    int rc;

    if (ml_failed())
        return false;
    if ((req & ML_REQ_GC) != 0)
        ml_mgmt_note_gc();
    /* At VM death HotSpot has stopped the threads of concurrent collectors: forcing a
     * collection then would wait forever. The shutdown checkpoint came before that. */
    if (opts->verify_on_exit && ((req & ML_REQ_CHECKPOINT) != 0 ||
                                 ((req & ML_REQ_SHUTDOWN) != 0 && !ml_mgmt_concurrent()))) {
        rc = ml_pass_verify(jvmti, jni, &res, &new_candidates, (req & ML_REQ_SHUTDOWN) == 0);
    } else {
        rc = ml_pass_run(jvmti, jni, &res);
        new_candidates = res.new_candidates;
    }
    if (rc != ML_OK)
        return false;
    (void)new_candidates;
    /* New loaders alone do not start a pass before GATHER_MS have passed since this one (a
     * tick with many live loaders): a pass visits every record, and a burst of new loaders
     * (hundreds a second in a job framework, 100 000 in a stress run) would run passes back to
     * back. A Flink user-code loader is not gathered (ML_REQ_JOB_LOADER): its SafetyNet
     * wrapper is found only while the task that loads the job's first class runs, and a short
     * job's task ended within the gathering time (the wrapper link was missing for about half
     * the jobs of the Flink suite). */
    ml_mail_quiet_until(ml_clock_ms() +
                        (ml_pass_live_polled() > COALESCE_ABOVE ? TICK_MS : GATHER_MS));
    /* At a Metaspace OOM the report comes first (Flink exits right after), the search after.
     * Otherwise the search (when one is due) decides about the candidates first: held, in use
     * or not held; the ones it did not decide (none ran, or it was deferred by max_pause)
     * settle by their age (verdict.h). */
    if ((req & ML_REQ_OOM) == 0) {
        new_paths = ml_refpath_search_if_due(jni, req, &proven, &withdrawn);
        new_leaks += proven;
    }
    new_leaks += ml_pass_settle(jni, final, (req & ML_REQ_OOM) != 0);
    ml_samples_if_due(jni);
    ml_metaspace_prepare_if_under_pressure(jni);
    if ((req & ML_REQ_SHUTDOWN) != 0) {
        ml_reportwrite(jni, "exit");
        return false;
    }
    if ((req & ML_REQ_CHECKPOINT) != 0) {
        ml_pass_checkpoint_ended(ml_clock_ms());
        ml_mail_signal(ML_SIG_CHECKPOINT_DONE);
    }
    if ((req & ML_REQ_OOM) != 0) {
        ml_reportwrite(jni, "metaspace-oom");
        ml_mail_signal(ML_SIG_OOM_REPORT);
        if (ml_refpath_search_if_due(jni, req, &proven, &withdrawn) > 0)
            ml_reportwrite(jni, "metaspace-oom");
    } else if (new_leaks > 0 || new_paths > 0 || withdrawn > 0 || res.withdrawn > 0) {
        /* A withdrawn verdict rewrites the report too: a gate reading it mid-run must not
         * see a leak that the agent has taken back. */
        ml_reportwrite(jni, "leak");
    } else if ((req & ML_REQ_REPORT) != 0) {
        ml_reportwrite(jni, "request");
    } else if (opts->interval_s > 0 && ml_clock_ms() >= *next_interval) {
        ml_reportwrite(jni, "interval");
    } else {
        return true;
    }
    if (opts->interval_s > 0)
        *next_interval = ml_clock_ms() + (int64_t)opts->interval_s * 1000;
    return true;
}

static void JNICALL worker_main(jvmtiEnv *jvmti, JNIEnv *jni, void *arg)
{
    int64_t next_interval = ml_clock_ms() + (int64_t)ml_opts()->interval_s * 1000;
    bool go;

    (void)arg;
    ml_mail_worker_begin(jni);
    go = start(jvmti, jni) == ML_OK;
    while (go) {
        unsigned req = ml_mail_take(TICK_MS);

        if ((*jni)->PushLocalFrame(jni, 64) != 0) {
            ml_jni_clear(jni);
            ml_fail("out of memory for JNI local references", JVMTI_ERROR_NONE);
            break;
        }
        go = round_of_work(jvmti, jni, req, &next_interval);
        /* Alerts, metrics and the MBean; the last time with the final values. */
        ml_status_round(jni, !go);
        (*jni)->PopLocalFrame(jni, NULL);
    }
    ml_mail_signal(ML_SIG_WORKER_DONE);
    /* Release a waiting shutdown-hook thread even if the worker ended early. */
    ml_mail_signal(ML_SIG_CHECKPOINT_DONE);
}

int ml_worker_start(jvmtiEnv *jvmti, JNIEnv *jni)
{
    jclass cls = (*jni)->FindClass(jni, "java/lang/Thread");
    jmethodID ctor = cls == NULL ? NULL
                                 : (*jni)->GetMethodID(jni, cls, "<init>", "(Ljava/lang/String;)V");
    jstring name = ctor == NULL ? NULL : (*jni)->NewStringUTF(jni, "metaleak");
    jobject thread = name == NULL ? NULL : (*jni)->NewObject(jni, cls, ctor, name);
    int rc = ML_ERR_JVM;

    /* Synchronously, before the application's main() (or at attach): the JDK fields we read,
     * and the shutdown checkpoint, which even a JVM that exits at once must get. */
    if (ml_jdkids_init(jni) != ML_OK)
        goto cleanup;
    if (ml_jdkids()->hooks_cls != NULL && ml_opts()->verify_on_exit) {
        register_shutdown_hook(jni);
        if (ml_events_enable_thread_start(jvmti) != ML_OK)
            goto cleanup;
    }
    if (thread == NULL) {
        ml_jni_clear(jni);
        goto cleanup;
    }
    if (!ml_mail_worker_starting())
        goto cleanup;
    if (!ml_jvmti_ok((*jvmti)->RunAgentThread(jvmti, thread, worker_main, NULL,
                                              JVMTI_THREAD_NORM_PRIORITY),
                     ML_ON_ERROR_LOG, "RunAgentThread")) {
        ml_mail_signal(ML_SIG_WORKER_DONE);
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
