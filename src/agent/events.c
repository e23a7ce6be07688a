/* JVMTI event callbacks. The hot one is ClassPrepare, on every class definition: it resolves
 * the defining loader's tag to its record without a lock and bumps atomic counters; only the
 * first class of a new loader takes the registry lock. GC callbacks and ObjectFree touch only
 * atomics and wake the worker, as the JVMTI specification demands; all JNI work, reports and
 * verdicts happen on the worker thread. */
#include <string.h>

#include "agent.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/jnames.h"
#include "metaleak/log.h"

#define CHECKPOINT_WAIT_MS 20000
#define OOM_WAIT_MS 10000
#define VM_DEATH_WAIT_MS 30000

void ml_wake(unsigned requests)
{
    struct agent *a = &ml_agent;
    jvmtiEnv *jvmti = a->jvmti;

    if (jvmti == NULL || a->wake_lock == NULL)
        return;
    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        return;
    a->requests |= requests;
    (*jvmti)->RawMonitorNotifyAll(jvmti, a->wake_lock);
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
}

void ml_post(unsigned requests)
{
    atomic_fetch_or_explicit(&ml_agent.posted, requests, memory_order_release);
}

/* A JVMTI error in a callback: the VM going away is not a failure of ours. */
static bool callback_error(jvmtiError err, const char *what)
{
    if (err == JVMTI_ERROR_NONE)
        return false;
    if (err != JVMTI_ERROR_WRONG_PHASE)
        ml_agent_fail(what, err);
    return true;
}

struct ml_loader *ml_events_register_loader(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader)
{
    struct agent *a = &ml_agent;
    struct ml_loader *l = NULL;
    jlong tag = 0;
    jweak weak;
    jvmtiError err;

    if ((*jvmti)->RawMonitorEnter(jvmti, a->reg_lock) != JVMTI_ERROR_NONE)
        return NULL;
    /* Another thread may have registered it while we waited for the lock. */
    err = (*jvmti)->GetTag(jvmti, loader, &tag);
    if (callback_error(err, "GetTag(loader)"))
        goto done;
    if (tag != 0) {
        l = ml_registry_lookup(a->reg, (uint64_t)tag);
        goto done;
    }
    l = ml_registry_add(a->reg, ml_clock_ms());
    if (l == NULL) {
        /* Bound reached (counted in dropped.loaders once): mark the loader so that its next
         * classes do not try again. */
        callback_error((*jvmti)->SetTag(jvmti, loader, (jlong)ML_TAG_UNTRACKED),
                       "SetTag(untracked loader)");
        goto done;
    }
    weak = (*jni)->NewWeakGlobalRef(jni, loader);
    if (weak == NULL) {
        (*jni)->ExceptionClear(jni);
        ml_agent_fail("NewWeakGlobalRef(loader) failed", JVMTI_ERROR_NONE);
        l = NULL;
        goto done;
    }
    l->handle = weak;
    err = (*jvmti)->SetTag(jvmti, loader, (jlong)ml_loader_tag(l));
    if (callback_error(err, "SetTag(loader)")) {
        l = NULL;
        goto done;
    }
    /* The class name and Flink role are read now, so that even a loader that dies before the
     * worker looks at it is named in reports. */
    if (ml_inspect_class(jvmti, jni, loader, l) != ML_OK)
        l = NULL;
done:
    (*jvmti)->RawMonitorExit(jvmti, a->reg_lock);
    if (l != NULL && tag == 0)
        ml_wake(ML_REQ_NEW_LOADER);
    return l;
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

/* This thread's last class loader and its record: the next class of the same loader (a loader
 * defines its classes in runs) skips GetTag(loader), the JVM's tag-map lookup under its lock.
 * The weak reference is this thread's own, deleted when the loader changes and at ThreadEnd; a
 * live loader's record is never reused, and a dead loader never matches. */
static _Thread_local jweak last_loader;
static _Thread_local struct ml_loader *last_record;

static void remember_loader(JNIEnv *jni, jobject loader, struct ml_loader *l)
{
    if (last_loader != NULL)
        (*jni)->DeleteWeakGlobalRef(jni, last_loader);
    last_loader = (*jni)->NewWeakGlobalRef(jni, loader);
    if (last_loader == NULL)
        (*jni)->ExceptionClear(jni);
    last_record = last_loader != NULL ? l : NULL;
}

void ml_events_count_class(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool replay)
{
    struct agent *a = &ml_agent;
    bool window = replay || atomic_load_explicit(&a->replaying, memory_order_acquire);
    int64_t now = ml_clock_ms();
    /* A class counted by the replay carries a SEEN tag, and its own ClassPrepare may come after
     * the replay ended: HotSpot marks a class prepared, then posts the event, and the replay may
     * have read the mark in between. A thread has at most one class in that gap (linking is
     * sequential per thread, and nothing is linked between the mark and the event), so after
     * the replay only each thread's first event needs the GetTag (0.2 us); the others skip it. */
    bool dedupe = window || !checked_after_replay;
    jobject loader = NULL;
    char *sig = NULL;
    struct ml_loader *l;
    jlong tag = 0;
    jboolean modifiable = JNI_FALSE;
    bool hidden;
    jvmtiError err;

    /* While existing classes are replayed, a class may be seen by the replay and by its own
     * ClassPrepare: the SEEN tag, set under replay_lock, counts it once. */
    if (window && (*jvmti)->RawMonitorEnter(jvmti, a->replay_lock) != JVMTI_ERROR_NONE)
        return;
    if (!window)
        checked_after_replay = true;
    if (dedupe) {
        err = (*jvmti)->GetTag(jvmti, klass, &tag);
        if (callback_error(err, "GetTag(class)") || tag != 0)
            goto done;
    }
    err = (*jvmti)->GetClassLoader(jvmti, klass, &loader);
    if (callback_error(err, "GetClassLoader"))
        goto done;
    if (loader == NULL) {
        l = ml_registry_boot(a->reg);
    } else if (!replay && last_loader != NULL && (*jni)->IsSameObject(jni, loader, last_loader)) {
        l = last_record;
    } else {
        err = (*jvmti)->GetTag(jvmti, loader, &tag);
        if (callback_error(err, "GetTag(loader)") || ((uint64_t)tag & ML_TAG_UNTRACKED) != 0)
            goto done;
        l = ml_registry_lookup(a->reg, (uint64_t)tag);
        if (l == NULL) {
            l = ml_events_register_loader(jvmti, jni, loader);
            if (l != NULL && window && !replay && a->attached) {
                count_earlier_classes(jvmti, jni, loader);
                err = (*jvmti)->GetTag(jvmti, klass, &tag);
                if (callback_error(err, "GetTag(class)") || tag != 0)
                    goto done; /* this class was among them */
            }
        }
        if (l == NULL)
            goto done;
        if (!replay)
            remember_loader(jni, loader, l);
    }
    /* Hidden classes are never modifiable (Lookup.defineHiddenClass: "not modifiable by ...
     * JVM TI agents"), so a modifiable class is not hidden: that answer costs no allocation.
     * Only the others (hidden ones, a few JDK internals) have their signature read. */
    err = (*jvmti)->IsModifiableClass(jvmti, klass, &modifiable);
    if (callback_error(err, "IsModifiableClass"))
        goto done;
    hidden = false;
    if (!modifiable) {
        err = (*jvmti)->GetClassSignature(jvmti, klass, &sig, NULL);
        if (callback_error(err, "GetClassSignature"))
            goto done;
        hidden = ml_sig_is_hidden(sig);
    }
    atomic_fetch_add_explicit(&l->classes_defined, 1, memory_order_relaxed);
    atomic_store_explicit(&l->last_define_ms, now, memory_order_relaxed);
    if (hidden) {
        /* A hidden class can be unloaded before its loader: tag it to see that. */
        atomic_fetch_add_explicit(&l->hidden_defined, 1, memory_order_relaxed);
        err = (*jvmti)->SetTag(jvmti, klass, (jlong)ml_loader_hidden_tag(l));
        callback_error(err, "SetTag(hidden class)");
    } else if (window) {
        err = (*jvmti)->SetTag(jvmti, klass, (jlong)ML_TAG_SEEN);
        callback_error(err, "SetTag(class)");
    }
done:
    if (sig != NULL)
        (*jvmti)->Deallocate(jvmti, (unsigned char *)sig);
    if (loader != NULL)
        (*jni)->DeleteLocalRef(jni, loader);
    if (window)
        (*jvmti)->RawMonitorExit(jvmti, a->replay_lock);
}

static void JNICALL on_class_prepare(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread, jclass klass)
{
    (void)thread;
    if (!atomic_load_explicit(&ml_agent.active, memory_order_relaxed))
        return;
    ml_events_count_class(jvmti, jni, klass, false);
}

/* ObjectFree: atomics only (see ml_post). */
static void JNICALL on_object_free(jvmtiEnv *jvmti, jlong tag)
{
    struct agent *a = &ml_agent;
    struct ml_loader *l;

    (void)jvmti;
    if (a->reg == NULL || ((uint64_t)tag & (ML_TAG_SEEN | ML_TAG_UNTRACKED)) != 0)
        return;
    l = ml_registry_lookup(a->reg, (uint64_t)tag);
    if (l == NULL)
        return;
    if (((uint64_t)tag & ML_TAG_HIDDEN) != 0) {
        atomic_fetch_add_explicit(&l->hidden_unloaded, 1, memory_order_relaxed);
        return;
    }
    atomic_store(&l->freed_ms, ml_clock_ms());
    atomic_fetch_add(&a->frees, 1);
    ml_post(ML_REQ_FREED);
}

static void JNICALL on_gc_start(jvmtiEnv *jvmti)
{
    (void)jvmti;
    atomic_fetch_add_explicit(&ml_agent.gc_starts, 1, memory_order_relaxed);
}

static void JNICALL on_gc_finish(jvmtiEnv *jvmti)
{
    (void)jvmti;
    atomic_fetch_add_explicit(&ml_agent.gc_pauses, 1, memory_order_relaxed);
    ml_post(ML_REQ_GC);
}

/* Waits on wake_lock until *flag is true or ms pass. */
static void wait_for(jvmtiEnv *jvmti, const bool *flag, jlong ms)
{
    struct agent *a = &ml_agent;
    int64_t deadline = ml_clock_ms() + ms;

    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        return;
    while (!*flag && a->worker_running && !a->worker_done) {
        int64_t left = deadline - ml_clock_ms();

        if (left <= 0)
            break;
        (*jvmti)->RawMonitorWait(jvmti, a->wake_lock, left);
    }
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
}

/* ThreadStart: when java.lang.ApplicationShutdownHooks.hooks has become null, the JVM is
 * starting the application's shutdown hooks, and this thread is one of them. Before any hook
 * runs (and may release what it pins), the worker proves the leaks that still exist. The
 * worker registers an empty hook of its own, so that this point comes at every orderly exit:
 * it is also the last moment when concurrent collectors (ZGC, Shenandoah) can still run a
 * collection, since HotSpot stops their threads before VM death. */
static void JNICALL on_thread_start(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    struct agent *a = &ml_agent;
    jobject hooks;

    (void)thread;
    if (!atomic_load(&a->active) || a->ids.hooks_cls == NULL || !a->opts.verify_on_exit)
        return;
    hooks = (*jni)->GetStaticObjectField(jni, a->ids.hooks_cls, a->ids.hooks_field);
    if ((*jni)->ExceptionCheck(jni)) {
        (*jni)->ExceptionClear(jni);
        return;
    }
    if (hooks != NULL) {
        (*jni)->DeleteLocalRef(jni, hooks);
        return;
    }
    if (!atomic_exchange(&a->checkpoint_started, true))
        ml_wake(ML_REQ_CHECKPOINT);
    wait_for(jvmti, &a->checkpoint_done, CHECKPOINT_WAIT_MS);
}

static void JNICALL on_thread_end(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    (void)jvmti;
    (void)thread;
    if (last_loader != NULL) {
        (*jni)->DeleteWeakGlobalRef(jni, last_loader);
        last_loader = NULL;
        last_record = NULL;
    }
}

static void JNICALL on_resource_exhausted(jvmtiEnv *jvmti, JNIEnv *jni, jint flags,
                                          const void *reserved, const char *description)
{
    struct agent *a = &ml_agent;
    bool done = false;
    uint64_t before;
    int64_t now;

    (void)reserved;
    if (!atomic_load(&a->active) || (flags & JVMTI_RESOURCE_EXHAUSTED_OOM_ERROR) == 0 ||
        description == NULL ||
        (strstr(description, "Metaspace") == NULL &&
         strstr(description, "Compressed class space") == NULL))
        return;
    /* Recorded for every later report (the exit report after Flink stops the TaskManager too). */
    now = ml_clock_ms();
    atomic_store(&a->oom_last_ms, now);
    if (atomic_fetch_add(&a->ooms, 1) == 0) {
        atomic_store(&a->oom_class_space, strstr(description, "Metaspace") == NULL);
        atomic_store(&a->oom_first_ms, now);
    }
    if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
        return;
    before = a->oom_reports;
    (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
    ml_wake(ML_REQ_OOM);
    /* The worker itself (a Java call while it names paths or jars) must not wait for itself. */
    if (jni == a->worker_jni)
        return;
    /* Flink exits the TaskManager right after a Metaspace OOM: wait (bounded) for the report. */
    {
        int64_t deadline = ml_clock_ms() + OOM_WAIT_MS;

        if ((*jvmti)->RawMonitorEnter(jvmti, a->wake_lock) != JVMTI_ERROR_NONE)
            return;
        while (a->oom_reports == before && a->worker_running && !a->worker_done && !done) {
            int64_t left = deadline - ml_clock_ms();

            if (left <= 0)
                done = true;
            else
                (*jvmti)->RawMonitorWait(jvmti, a->wake_lock, left);
        }
        (*jvmti)->RawMonitorExit(jvmti, a->wake_lock);
    }
}

static void JNICALL on_vm_init(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
    (void)thread;
    if (!atomic_load(&ml_agent.active))
        return;
    if (ml_worker_start(jvmti, jni) != ML_OK)
        ml_agent_fail("cannot start the metaleak worker thread", JVMTI_ERROR_NONE);
}

/* VM death: the worker gives its final verdict and writes the exit report; we wait for it
 * (bounded by its own deadline), then stop every callback. */
static void JNICALL on_vm_death(jvmtiEnv *jvmti, JNIEnv *jni)
{
    struct agent *a = &ml_agent;

    (void)jni;
    ml_wake(ML_REQ_SHUTDOWN);
    wait_for(jvmti, &a->worker_done, VM_DEATH_WAIT_MS);
    atomic_store(&a->active, false);
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

int ml_events_install(jvmtiEnv *jvmti)
{
    jvmtiEventCallbacks cb;
    jvmtiError err;
    char buf[96];

    memset(&cb, 0, sizeof(cb));
    cb.VMInit = on_vm_init;
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
    if (!ml_agent.attached && enable(jvmti, JVMTI_EVENT_VM_INIT, "VMInit") != ML_OK)
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
