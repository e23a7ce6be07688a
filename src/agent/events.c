/* JVMTI event callbacks. The hot one is ClassPrepare, on every class definition: it resolves
 * the defining loader's tag to its record without a lock and bumps atomic counters; only the
 * first class of a new loader takes the registry lock. GC callbacks and ObjectFree touch only
 * atomics and wake the worker, as the JVMTI specification demands; all JNI work, reports and
 * verdicts happen on the worker thread. */
#include "events.h"

#include <stdatomic.h>
#include <string.h>

#include "jdkids.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/jnames.h"
#include "metaleak/log.h"
#include "metaleak/registry.h"
#include "state.h"
#include "tracking.h"

#define CHECKPOINT_WAIT_MS 20000
#define OOM_WAIT_MS 10000
#define VM_DEATH_WAIT_MS 30000

/* Counters of the callbacks: atomics, written here on any thread, read by the report. */
static _Atomic uint64_t gc_starts;          /* GarbageCollectionStart events */
static _Atomic uint64_t gc_pauses;          /* GarbageCollectionFinish events */
static _Atomic uint64_t ooms;               /* Metaspace / class space OutOfMemoryErrors */
static _Atomic int64_t oom_first_ms;        /* time of the first, set before ooms is raised */
static _Atomic int64_t oom_last_ms;
static _Atomic bool oom_class_space;        /* the first was for the compressed class space */

/* Replaced by replay.c: ClassPrepare against the replay of existing classes. */
static jrawMonitorID replay_lock;
static _Atomic bool replaying;

jvmtiError ml_events_replay_init(jvmtiEnv *jvmti)
{
    atomic_store(&replaying, true);
    return (*jvmti)->CreateRawMonitor(jvmti, "metaleak replay", &replay_lock);
}

void ml_events_replay_done(void)
{
    atomic_store_explicit(&replaying, false, memory_order_release);
}

/* The VMInit action given to ml_events_install. */
static ml_vm_init_fn vm_init_action;

/* A JVMTI error in a callback: the VM going away is not a failure of ours. */
static bool callback_error(jvmtiError err, const char *what)
{
    if (err == JVMTI_ERROR_NONE)
        return false;
    if (err != JVMTI_ERROR_WRONG_PHASE)
        ml_fail(what, err);
    return true;
}

/* The classes a loader defined and prepared before the agent's events were on: counted (and
 * tagged SEEN) now, because the loader may die before the replay of an attach reaches it (a
 * job that finishes while the agent attaches). Called with replay_lock held, for a loader that
 * a ClassPrepare registered while an attach replays; each class is counted once. */
static void count_earlier_classes(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader)
{
    jclass *classes = NULL;
    jint n = 0;

    if ((*jvmti)->GetClassLoaderClasses(jvmti, loader, &n, &classes) != JVMTI_ERROR_NONE)
        return;
    for (jint i = 0; i < n; i++) {
        jobject definer = NULL;
        jint status = 0;

        /* The loader's list has the classes it initiated too (its parents' classes). */
        if ((*jvmti)->GetClassStatus(jvmti, classes[i], &status) == JVMTI_ERROR_NONE &&
            (status & JVMTI_CLASS_STATUS_PREPARED) != 0 &&
            (status & (JVMTI_CLASS_STATUS_ARRAY | JVMTI_CLASS_STATUS_PRIMITIVE)) == 0 &&
            (*jvmti)->GetClassLoader(jvmti, classes[i], &definer) == JVMTI_ERROR_NONE &&
            definer != NULL && (*jni)->IsSameObject(jni, definer, loader))
            ml_events_count_class(jvmti, jni, classes[i], true);
        if (definer != NULL)
            (*jni)->DeleteLocalRef(jni, definer);
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    (*jvmti)->Deallocate(jvmti, (unsigned char *)classes);
}

/* This thread's first ClassPrepare after the replay was checked against the replay's tags. */
static _Thread_local bool checked_after_replay;

void ml_events_count_class(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool replay)
{
    bool window = replay || atomic_load_explicit(&replaying, memory_order_acquire);
    int64_t now = ml_clock_ms();
    /* A class counted by the replay carries a SEEN tag, and its own ClassPrepare may come after
     * the replay ended: HotSpot marks a class prepared, then posts the event, and the replay may
     * have read the mark in between. A thread has at most one class in that gap (linking is
     * sequential per thread, and nothing is linked between the mark and the event), so after
     * the replay only each thread's first event needs the GetTag (0.2 us); the others skip it. */
    bool dedupe = window || !checked_after_replay;
    jobject loader = NULL;
    struct ml_loader *l;
    enum ml_track_found how;
    jlong tag = 0;
    jvmtiError err;

    /* While existing classes are replayed, a class may be seen by the replay and by its own
     * ClassPrepare: the SEEN tag, set under replay_lock, counts it once. */
    if (window && (*jvmti)->RawMonitorEnter(jvmti, replay_lock) != JVMTI_ERROR_NONE)
        return;
    if (!window)
        checked_after_replay = true;
    if (dedupe) {
        err = (*jvmti)->GetTag(jvmti, klass, &tag);
        if (callback_error(err, "GetTag(class)") || tag != 0)
            goto done;
    }
    l = ml_track_loader_of(jvmti, jni, klass, !replay, &loader, &how);
    if (l == NULL)
        goto done;
    if (how == ML_TRACK_NEW && window && !replay && ml_attached()) {
        count_earlier_classes(jvmti, jni, loader);
        err = (*jvmti)->GetTag(jvmti, klass, &tag);
        if (callback_error(err, "GetTag(class)") || tag != 0)
            goto done; /* this class was among them */
    }
    if (!replay && (how == ML_TRACK_TAGGED || how == ML_TRACK_NEW))
        ml_track_remember(jni, loader, l);
    ml_track_class(jvmti, klass, l, window, now);
done:
    if (loader != NULL)
        (*jni)->DeleteLocalRef(jni, loader);
    if (window)
        (*jvmti)->RawMonitorExit(jvmti, replay_lock);
}

static void JNICALL on_class_prepare(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread, jclass klass)
{
    (void)thread;
    if (!ml_active())
        return;
    ml_events_count_class(jvmti, jni, klass, false);
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
 * collection, since HotSpot stops their threads before VM death. */
static void JNICALL on_thread_start(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    const struct ml_jids *ids = ml_jdkids();
    jobject hooks;

    (void)thread;
    if (!ml_active() || ids->hooks_cls == NULL || !ml_opts()->verify_on_exit)
        return;
    hooks = (*jni)->GetStaticObjectField(jni, ids->hooks_cls, ids->hooks_field);
    if ((*jni)->ExceptionCheck(jni)) {
        (*jni)->ExceptionClear(jni);
        return;
    }
    if (hooks != NULL) {
        (*jni)->DeleteLocalRef(jni, hooks);
        return;
    }
    if (ml_mail_checkpoint_begin())
        ml_mail_wake(ML_REQ_CHECKPOINT);
    ml_mail_await(ML_SIG_CHECKPOINT_DONE, 0, CHECKPOINT_WAIT_MS);
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

/* VM death: the worker gives its final verdict and writes the exit report; we wait for it
 * (bounded by its own deadline), then stop every callback. */
static void JNICALL on_vm_death(jvmtiEnv *jvmti, JNIEnv *jni)
{
    (void)jni;
    ml_mail_wake(ML_REQ_SHUTDOWN);
    ml_mail_await(ML_SIG_WORKER_DONE, 0, VM_DEATH_WAIT_MS);
    ml_set_active(false);
    (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, JVMTI_EVENT_CLASS_PREPARE, NULL);
    (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, JVMTI_EVENT_THREAD_START, NULL);
    (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE,
                                       JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, NULL);
}

static int enable(jvmtiEnv *jvmti, jvmtiEvent ev, const char *name)
{
    jvmtiError err = (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, ev, NULL);
    char buf[96];

    if (err == JVMTI_ERROR_NONE)
        return ML_OK;
    ml_log_error("cannot enable %s events: %s", name,
                 ml_jvmti_error_name(jvmti, err, buf, sizeof(buf)));
    return ML_ERR_JVM;
}

int ml_events_install(jvmtiEnv *jvmti, ml_vm_init_fn on_vm_init)
{
    jvmtiEventCallbacks cb;
    jvmtiError err;
    char buf[96];

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
    err = (*jvmti)->SetEventCallbacks(jvmti, &cb, (jint)sizeof(cb));
    if (err != JVMTI_ERROR_NONE) {
        ml_log_error("SetEventCallbacks: %s", ml_jvmti_error_name(jvmti, err, buf, sizeof(buf)));
        return ML_ERR_JVM;
    }
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
