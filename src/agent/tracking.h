/* Loader tracking: which loader record a class or loader object belongs to, registering new
 * loaders, counting classes, and noticing freed loaders and hidden classes (ObjectFree).
 *
 * The hot path is ClassPrepare, on every class definition and any thread: the defining loader's
 * tag resolves to its record without a lock (ml_registry_lookup), or comes from this thread's
 * last loader without even a tag lookup; counting is two atomic updates. Only the first class of
 * a new loader takes the registry lock. Tags: see registry.h. */
#ifndef METALEAK_TRACKING_H
#define METALEAK_TRACKING_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/registry.h"

/* How ml_track_loader_of found the record. */
enum ml_track_found {
    ML_TRACK_BOOT,               /* the bootstrap loader */
    ML_TRACK_CACHED,             /* this thread's last loader */
    ML_TRACK_TAGGED,             /* a loader registered before, by its tag */
    ML_TRACK_NEW,                /* registered just now */
};

/* The record of klass's defining loader. *loader receives a local reference to the loader (NULL
 * for the bootstrap loader), which the caller deletes even when NULL is returned. With
 * use_cache, this thread's last loader is tried first. NULL for an untracked loader (the
 * registry is full) or on failure (then the agent is disabled). Takes the registry lock only to
 * register a new loader. */
struct ml_loader *ml_track_loader_of(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool use_cache,
                                     jobject *loader, enum ml_track_found *how);

/* Makes l this thread's last loader (a loader defines its classes in runs). */
void ml_track_remember(JNIEnv *jni, jobject loader, struct ml_loader *l);

/* Counts klass, defined by l's loader, prepared at now_ms: a hidden class is tagged with its
 * loader so that its unloading is seen; any other class gets the "counted" tag when
 * mark_counted (while existing classes are replayed, replay.c). */
void ml_track_class(jvmtiEnv *jvmti, jclass klass, struct ml_loader *l, bool mark_counted,
                    int64_t now_ms);

/* Registers a loader object (or finds its record): tags it, keeps a weak reference and reads
 * its class chain (ml_track_describe_class). Takes the registry lock; wakes the worker for a
 * new loader. NULL when the registry is full or on failure (then the agent is disabled). */
struct ml_loader *ml_track_register(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader);

/* Describes the class of a loader object into l: class name, Flink role, whether it is a
 * URLClassLoader, identity hash. Returns ML_OK or ML_ERR_JVM. */
int ml_track_describe_class(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader, struct ml_loader *l);

/* The record of the loader that defined cls: the bootstrap record for JDK classes, NULL when
 * the loader is not tracked or on failure. Keeps no reference. Any thread; no lock. */
struct ml_loader *ml_track_defining_loader(jvmtiEnv *jvmti, JNIEnv *jni, jclass cls);

/* The id of the loader obj's record (0 for NULL, the bootstrap loader), registering it when it
 * has none; ML_ID_NONE on failure or when the registry is full. */
uint64_t ml_track_loader_id(jvmtiEnv *jvmti, JNIEnv *jni, jobject obj);

/* ObjectFree of a tagged object: a freed loader is marked for the worker, an unloaded hidden
 * class counted. Atomics only, no lock (see ml_mail_post). */
void ml_track_object_free(jlong tag);

/* ThreadEnd: forgets the thread's last loader. */
void ml_track_thread_end(JNIEnv *jni);

#endif
