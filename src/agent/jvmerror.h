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

/* What a failed JVMTI call means where it is made: the one switch every JVMTI result goes
 * through (ml_jvmti_ok). */
enum ml_on_error {
    ML_ON_ERROR_FAIL,    /* must not fail: disable the agent (ml_fail); JVMTI_ERROR_WRONG_PHASE
                          * (the VM is going away) is not a failure of ours and says nothing */
    ML_ON_ERROR_LOG,     /* one error line "<what>: <name>"; the caller refuses to start, or
                          * disables the agent with its own reason */
    ML_ON_ERROR_INFO,    /* the agent carries on without it: "<what>: <name>" at log=info */
    ML_ON_ERROR_DEBUG,   /* the same at log=debug */
    ML_ON_ERROR_SKIP,    /* expected now and then (an object collected meanwhile, a class not
                          * yet prepared): the caller skips it, nothing is said */
};

/* True when err is JVMTI_ERROR_NONE; otherwise handles it as `how` says and returns false. */
bool ml_jvmti_ok(jvmtiError err, enum ml_on_error how, const char *what);

/* Deallocates memory that JVMTI returned (NULL is fine); the result is checked (debug). */
void ml_jvmti_free(jvmtiEnv *jvmti, void *mem);

/* The JNI check: clears a pending Java exception. Returns true when there was one. */
bool ml_jni_clear(JNIEnv *jni);

#endif
