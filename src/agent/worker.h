/* The worker thread ("metaleak" in jstack). */
#ifndef METALEAK_WORKER_H
#define METALEAK_WORKER_H

#include <jni.h>
#include <jvmti.h>

/* Resolves the JDK ids, registers the shutdown checkpoint and starts the worker thread (at
 * VMInit, or at once on attach). Returns ML_OK or ML_ERR_JVM. */
int ml_worker_start(jvmtiEnv *jvmti, JNIEnv *jni);

#endif
