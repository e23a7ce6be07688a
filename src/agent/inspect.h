/* Reading class loaders through JNI on the worker thread: class, Flink role, name, parent,
 * URLs, and whether the owner has released them. */
#ifndef METALEAK_INSPECT_H
#define METALEAK_INSPECT_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>

#include "metaleak/registry.h"

/* Fills the description of l (class, role, hash, name, parent, URLs, job id) from its weak
 * reference; registers an unknown parent. Returns ML_OK, or ML_ERR_JVM. A loader that is
 * already gone is left undescribed (ML_OK). */
int ml_inspect_loader(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_loader *l);
/* True when the live loader behind l has been released (close() / wrapper's inner == null).
 * *ok is false on failure. */
bool ml_inspect_closed(JNIEnv *jni, struct ml_loader *l, bool *ok);
/* Re-reads the URLs of the URLClassLoader obj into l (they survive close()), and the job id. */
int ml_inspect_urls(JNIEnv *jni, jobject obj, struct ml_loader *l);
/* Links Flink SafetyNet wrappers found as threads' context class loaders to their inner
 * loaders. Returns ML_OK or ML_ERR_JVM. */
int ml_inspect_wrappers(jvmtiEnv *jvmti, JNIEnv *jni);

#endif
