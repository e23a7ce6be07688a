/* JVMTI and JNI errors, in one place: the names of JVMTI errors, the agent's fail-once switch,
 * and the one check that every JVMTI result goes through (with what a failure means there). */
#ifndef METALEAK_JVMERROR_H
#define METALEAK_JVMERROR_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stddef.h>

/* "JVMTI_ERROR_..." name of err, from the JVM when possible. Writes into buf. */
const char *ml_jvmti_error_name(jvmtiEnv *jvmti, jvmtiError err, char *buf, size_t len);

/* Logs "<what>: <reason>; metaleak disabled" once (reason: the name of err, none for
 * JVMTI_ERROR_NONE), stops all event work and wakes the worker so that it ends. Never crashes
 * or exits the JVM. Safe from any callback except GC callbacks and ObjectFree. */
void ml_fail(const char *what, jvmtiError err);

/* The JNI check: clears a pending Java exception. Returns true when there was one. */
bool ml_jni_clear(JNIEnv *jni);

#endif
