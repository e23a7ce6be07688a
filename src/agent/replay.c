/* The replay of existing classes, and counting each class exactly once against it (see
 * replay.h). The monitors nest replay -> registry (a new loader registers under both). */
#include "replay.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/registry.h"
#include "state.h"
#include "tracking.h"

/* Created at start-up; `replaying` is true from start-up until the worker's replay is done. */
static jrawMonitorID replay_lock;
static _Atomic bool replaying;

/* This thread's first ClassPrepare after the replay was checked against the replay's tags. */
static _Thread_local bool checked_after_replay;

static void count_class(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool replay);

jvmtiError ml_replay_init(jvmtiEnv *jvmti)
{
    atomic_store(&replaying, true);
    return (*jvmti)->CreateRawMonitor(jvmti, "metaleak replay", &replay_lock);
}

/* True for a prepared class that is not an array or primitive class (those have no
 * ClassPrepare). A class unloaded meanwhile is skipped. */
static bool prepared(jvmtiEnv *jvmti, jclass cls)
{
    jint status = 0;

    return ml_jvmti_ok((*jvmti)->GetClassStatus(jvmti, cls, &status), ML_ON_ERROR_SKIP,
                       "GetClassStatus") &&
           (status & JVMTI_CLASS_STATUS_PREPARED) != 0 &&
           (status & (JVMTI_CLASS_STATUS_ARRAY | JVMTI_CLASS_STATUS_PRIMITIVE)) == 0;
}

/* The classes a loader defined and prepared before the agent's events were on: counted (and
 * tagged SEEN) now, because the loader may die before the replay of an attach reaches it (a
 * job that finishes while the agent attaches). Called with replay_lock held, for a loader that
 * a ClassPrepare registered while an attach replays; each class is counted once. */
static void count_earlier_classes(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader)
{
    jclass *classes = NULL;
    jint n = 0;

    /* Without them the replay still counts these classes, if the loader lives until it does. */
    if (!ml_jvmti_ok((*jvmti)->GetClassLoaderClasses(jvmti, loader, &n, &classes),
                     ML_ON_ERROR_DEBUG, "GetClassLoaderClasses"))
        return;
    for (jint i = 0; i < n; i++) {
        jobject definer = NULL;

        /* The loader's list has the classes it initiated too (its parents' classes). */
        if (prepared(jvmti, classes[i]) &&
            ml_jvmti_ok((*jvmti)->GetClassLoader(jvmti, classes[i], &definer), ML_ON_ERROR_SKIP,
                        "GetClassLoader") &&
            definer != NULL && (*jni)->IsSameObject(jni, definer, loader))
            count_class(jvmti, jni, classes[i], true);
        if (definer != NULL)
            (*jni)->DeleteLocalRef(jni, definer);
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    ml_jvmti_free(jvmti, classes);
}

/* Counts one prepared class, from ClassPrepare or (replay) from the replay. */
static void count_class(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool replay)
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

    /* While existing classes are replayed, a class may be seen by the replay and by its own
     * ClassPrepare: the SEEN tag, set under replay_lock, counts it once. */
    if (window && !ml_jvmti_ok((*jvmti)->RawMonitorEnter(jvmti, replay_lock), ML_ON_ERROR_FAIL,
                               "RawMonitorEnter(replay)"))
        return;
    if (!window)
        checked_after_replay = true;
    if (dedupe && (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, klass, &tag), ML_ON_ERROR_FAIL,
                                "GetTag(class)") ||
                   tag != 0))
        goto done;
    l = ml_track_loader_of(jvmti, jni, klass, !replay, &loader, &how);
    if (l == NULL)
        goto done;
    if (how == ML_TRACK_NEW && window && !replay && ml_attached()) {
        count_earlier_classes(jvmti, jni, loader);
        if (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, klass, &tag), ML_ON_ERROR_FAIL,
                         "GetTag(class)") ||
            tag != 0)
            goto done; /* this class was among them */
    }
    if (!replay && (how == ML_TRACK_TAGGED || how == ML_TRACK_NEW))
        ml_track_remember(jni, loader, l);
    ml_track_class(jvmti, klass, l, window, now);
done:
    if (loader != NULL)
        (*jni)->DeleteLocalRef(jni, loader);
    if (window)
        ml_jvmti_ok((*jvmti)->RawMonitorExit(jvmti, replay_lock), ML_ON_ERROR_FAIL,
                    "RawMonitorExit(replay)");
}

void ml_replay_class_prepare(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass)
{
    count_class(jvmti, jni, klass, false);
}

int ml_replay_run(jvmtiEnv *jvmti, JNIEnv *jni)
{
    jclass *classes = NULL;
    jint n = 0;

    if (!ml_jvmti_ok((*jvmti)->GetLoadedClasses(jvmti, &n, &classes), ML_ON_ERROR_FAIL,
                     "GetLoadedClasses"))
        return ML_ERR_JVM;
    for (jint i = 0; i < n; i++) {
        if (prepared(jvmti, classes[i]))
            count_class(jvmti, jni, classes[i], true);
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    ml_jvmti_free(jvmti, classes);
    ml_log(ML_LOG_DEBUG, "replayed %d existing classes", (int)n);
    atomic_store_explicit(&replaying, false, memory_order_release);
    return ML_OK;
}
