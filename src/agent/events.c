/* JVMTI event callbacks: each is short and hands the work to the module that owns it. The hot
 * one is ClassPrepare, on every class definition: counted exactly once against the replay
 * (replay.c) by loader tracking (tracking.c), without a lock or an allocation of ours. GC
 * callbacks and ObjectFree touch only atomics and post requests, as the JVMTI specification
 * demands; all JNI work, reports and verdicts happen on the worker thread (worker.c). A new
 * JVMTI event gets its callback and its enabling here. */
#include "events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "exitbudget.h"
#include "jdkids.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/registry.h"
#include "replay.h"
#include "state.h"
#include "tracking.h"

#define OOM_WAIT_MS 10000

/* Counters of the callbacks: atomics, written here on any thread, read by the report. */
static _Atomic uint64_t gc_starts;          /* GarbageCollectionStart events */
static _Atomic uint64_t gc_pauses;          /* GarbageCollectionFinish events */
static _Atomic uint64_t ooms;               /* Metaspace / class space OutOfMemoryErrors */
static _Atomic int64_t oom_first_ms;        /* time of the first, set before ooms is raised */
static _Atomic int64_t oom_last_ms;
static _Atomic bool oom_class_space;        /* the first was for the compressed class space */

/* The VMInit action given to ml_events_install. */
static ml_vm_init_fn vm_init_action;

static void JNICALL on_class_prepare(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread, jclass klass)
{
    (void)thread;
    if (!ml_active())
        return;
    ml_replay_class_prepare(jvmti, jni, klass);
}

/* ObjectFree: atomics only (see ml_mail_post). */
static void JNICALL on_object_free(jvmtiEnv *jvmti, jlong tag)
{
    (void)jvmti;
    ml_track_object_free(tag);
}

static void JNICALL on_gc_start(jvmtiEnv *jvmti)
{
    (void)jvmti;
    atomic_fetch_add_explicit(&gc_starts, 1, memory_order_relaxed);
}

static void JNICALL on_gc_finish(jvmtiEnv *jvmti)
{
    (void)jvmti;
    atomic_fetch_add_explicit(&gc_pauses, 1, memory_order_relaxed);
    ml_mail_post(ML_REQ_GC);
}

/* ThreadStart: when java.lang.ApplicationShutdownHooks.hooks has become null, the JVM is
 * starting the application's shutdown hooks, and this thread is one of them. Before any hook
 * runs (and may release what it pins), the worker proves the leaks that still exist. The
 * worker registers an empty hook of its own, so that this point comes at every orderly exit:
 * it is also the last moment when concurrent collectors (ZGC, Shenandoah) can still run a
 * collection, since HotSpot stops their threads before VM death. The wait is bounded by the
 * exit budget (exitbudget.h), less the room the exit report needs at VM death. */
static char parked_mark; /* its address marks a hook thread waiting for the checkpoint */

bool ml_events_parked(jvmtiEnv *jvmti, jthread thread)
{
    void *tls = NULL;

    return (*jvmti)->GetThreadLocalStorage(jvmti, thread, &tls) == JVMTI_ERROR_NONE &&
           tls == &parked_mark;
}

static void JNICALL on_thread_start(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    const struct ml_jids *ids = ml_jdkids();
    jobject hooks;
    bool parked;

    (void)thread;
    if (!ml_active() || ids->hooks_cls == NULL || !ml_opts()->verify_on_exit)
        return;
    hooks = (*jni)->GetStaticObjectField(jni, ids->hooks_cls, ids->hooks_field);
    if (ml_jni_clear(jni))
        return;
    if (hooks != NULL) {
        (*jni)->DeleteLocalRef(jni, hooks);
        return;
    }
    /* The search at the checkpoint ignores this thread's locals (ml_events_parked): marked
     * before the worker is woken. Without the mark (an error), a hook's loader may only look in
     * use, as before. */
    parked = ml_jvmti_ok((*jvmti)->SetThreadLocalStorage(jvmti, NULL, &parked_mark),
                         ML_ON_ERROR_SKIP, "SetThreadLocalStorage");
    if (ml_mail_checkpoint_begin()) {
        int64_t wait = ml_exit_hold_begin(ML_EXIT_CHECKPOINT);

        ml_mail_wake(ML_REQ_CHECKPOINT);
        if (!ml_mail_await(ML_SIG_CHECKPOINT_DONE, 0, wait))
            ml_log(ML_LOG_INFO, "shutdown checkpoint: not done within its share of exit_budget "
                                "(%lld ms); the exit goes on",
                   (long long)wait);
        ml_exit_hold_end(ML_EXIT_CHECKPOINT);
    } else {
        /* Other hook threads started meanwhile: wait as long as the first one may. */
        ml_mail_await(ML_SIG_CHECKPOINT_DONE, 0,
                      ml_exit_work_deadline_ms() == INT64_MAX
                          ? 0
                          : ml_exit_work_deadline_ms() - ml_clock_ms());
    }
    if (parked)
        ml_jvmti_ok((*jvmti)->SetThreadLocalStorage(jvmti, NULL, NULL), ML_ON_ERROR_SKIP,
                    "SetThreadLocalStorage");
}

static void JNICALL on_thread_end(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    (void)jvmti;
    (void)thread;
    ml_track_thread_end(jni);
}

static void JNICALL on_resource_exhausted(jvmtiEnv *jvmti, JNIEnv *jni, jint flags,
                                          const void *reserved, const char *description)
{
    uint64_t seen;
    int64_t now;

    (void)jvmti;
    (void)reserved;
    if (!ml_active() || (flags & JVMTI_RESOURCE_EXHAUSTED_OOM_ERROR) == 0 ||
        description == NULL ||
        (strstr(description, "Metaspace") == NULL &&
         strstr(description, "Compressed class space") == NULL))
        return;
    /* Recorded for every later report (the exit report after Flink stops the TaskManager too). */
    now = ml_clock_ms();
    atomic_store(&oom_last_ms, now);
    if (atomic_fetch_add(&ooms, 1) == 0) {
        atomic_store(&oom_class_space, strstr(description, "Metaspace") == NULL);
        atomic_store(&oom_first_ms, now);
    }
    seen = ml_mail_count(ML_SIG_OOM_REPORT);
    ml_mail_wake(ML_REQ_OOM);
    /* The worker itself (a Java call while it names paths or jars) must not wait for itself. */
    if (ml_mail_is_worker(jni))
        return;
    /* Flink exits the TaskManager right after a Metaspace OOM: wait (bounded) for the report. */
    ml_mail_await(ML_SIG_OOM_REPORT, seen, OOM_WAIT_MS);
}

static void JNICALL vm_init(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    (void)thread;
    if (!ml_active())
        return;
    if (vm_init_action(jvmti, jni) != ML_OK)
        ml_fail("cannot start the metaleak worker thread", JVMTI_ERROR_NONE);
}

/* At VM death: an event that cannot be turned off any more is harmless (the VM is dying). */
static void disable(jvmtiEnv *jvmti, jvmtiEvent ev, const char *name)
{
    ml_jvmti_ok((*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, ev, NULL),
                ML_ON_ERROR_DEBUG, name);
}

/* VM death: the worker gives its final verdict and writes the exit report; we wait for it,
 * at most what is left of the exit budget, then stop every callback. */
static void JNICALL on_vm_death(jvmtiEnv *jvmti, JNIEnv *jni)
{
    int64_t wait = ml_exit_hold_begin(ML_EXIT_VM_DEATH);

    (void)jni;
    ml_mail_wake(ML_REQ_SHUTDOWN);
    if (!ml_mail_await(ML_SIG_WORKER_DONE, 0, wait))
        ml_log(ML_LOG_INFO, "exit report: not written within exit_budget (%u ms in all); the "
                            "exit goes on",
               ml_opts()->exit_budget_ms);
    ml_exit_hold_end(ML_EXIT_VM_DEATH);
    ml_set_active(false);
    disable(jvmti, JVMTI_EVENT_CLASS_PREPARE, "ClassPrepare");
    disable(jvmti, JVMTI_EVENT_THREAD_START, "ThreadStart");
    disable(jvmti, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, "GarbageCollectionFinish");
}

static int enable(jvmtiEnv *jvmti, jvmtiEvent ev, const char *name)
{
    char what[96];

    snprintf(what, sizeof(what), "cannot enable %s events", name);
    return ml_jvmti_ok((*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, ev, NULL),
                       ML_ON_ERROR_LOG, what) ? ML_OK : ML_ERR_JVM;
}

int ml_events_install(jvmtiEnv *jvmti, ml_vm_init_fn on_vm_init)
{
    jvmtiEventCallbacks cb;

    vm_init_action = on_vm_init;
    memset(&cb, 0, sizeof(cb));
    cb.VMInit = vm_init;
    cb.VMDeath = on_vm_death;
    cb.ClassPrepare = on_class_prepare;
    cb.ObjectFree = on_object_free;
    cb.GarbageCollectionStart = on_gc_start;
    cb.GarbageCollectionFinish = on_gc_finish;
    cb.ThreadStart = on_thread_start;
    cb.ThreadEnd = on_thread_end;
    cb.ResourceExhausted = on_resource_exhausted;
    if (!ml_jvmti_ok((*jvmti)->SetEventCallbacks(jvmti, &cb, (jint)sizeof(cb)), ML_ON_ERROR_LOG,
                     "SetEventCallbacks"))
        return ML_ERR_JVM;
    if (!ml_attached() && enable(jvmti, JVMTI_EVENT_VM_INIT, "VMInit") != ML_OK)
        return ML_ERR_JVM;
    if (enable(jvmti, JVMTI_EVENT_VM_DEATH, "VMDeath") != ML_OK ||
        enable(jvmti, JVMTI_EVENT_CLASS_PREPARE, "ClassPrepare") != ML_OK ||
        enable(jvmti, JVMTI_EVENT_THREAD_END, "ThreadEnd") != ML_OK ||
        enable(jvmti, JVMTI_EVENT_OBJECT_FREE, "ObjectFree") != ML_OK ||
        enable(jvmti, JVMTI_EVENT_RESOURCE_EXHAUSTED, "ResourceExhausted") != ML_OK)
        return ML_ERR_JVM;
    return ML_OK;
}

int ml_events_enable_late(jvmtiEnv *jvmti)
{
    /* Finish before start: a start seen without its finish means "a collection is running". */
    if (enable(jvmti, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, "GarbageCollectionFinish") != ML_OK)
        return ML_ERR_JVM;
    return enable(jvmti, JVMTI_EVENT_GARBAGE_COLLECTION_START, "GarbageCollectionStart");
}

int ml_events_enable_thread_start(jvmtiEnv *jvmti)
{
    return enable(jvmti, JVMTI_EVENT_THREAD_START, "ThreadStart");
}

void ml_events_counts(struct ml_event_counts *out)
{
    out->gc_starts = atomic_load(&gc_starts);
    out->gc_pauses = atomic_load(&gc_pauses);
    out->ooms = atomic_load(&ooms);
    out->oom_last_ms = atomic_load(&oom_last_ms);
    out->oom_first_ms = atomic_load(&oom_first_ms);
    out->oom_class_space = atomic_load(&oom_class_space);
}
