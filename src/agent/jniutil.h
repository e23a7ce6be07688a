/* Small JNI helpers shared by the agent's worker-side modules (the exception check is
 * ml_jni_clear, jvmerror.h). */
#ifndef METALEAK_JNIUTIL_H
#define METALEAK_JNIUTIL_H

#include <jni.h>
#include <stdbool.h>

/* Copies a Java string into a malloc'd C string (modified UTF-8); the caller frees it.
 * NULL for a null string or on failure (any exception is cleared). */
char *ml_jni_strdup(JNIEnv *jni, jstring s);

/* Where a class came from: Class.getProtectionDomain().getCodeSource().getLocation() as a
 * malloc'd string the caller frees; NULL for JDK classes, on failure or when unknown (any
 * exception is cleared). Calls Java code: the worker thread only. */
char *ml_jni_class_location(JNIEnv *jni, jclass cls);

#endif
