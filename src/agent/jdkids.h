/* JNI ids of JDK classes and fields that the agent reads, resolved once. The classes are held
 * as global references: they are JDK classes, never class loaders of the application.
 *
 * Written once by ml_jdkids_init (the VMInit or attaching thread, in ml_worker_start) before the
 * worker thread starts and before ThreadStart events are enabled; read-only afterwards, on any
 * thread (the shutdown checkpoint reads the hooks field on application threads). */
#ifndef METALEAK_JDKIDS_H
#define METALEAK_JDKIDS_H

#include <jni.h>
#include <stddef.h>

struct ml_jids {
    jclass url_loader_cls;       /* java.net.URLClassLoader */
    jfieldID ucl_ucp;            /* URLClassLoader.ucp */
    jfieldID ucp_closed;         /* URLClassPath.closed */
    jfieldID ucp_path;           /* URLClassPath.path (ArrayList<URL>) */
    jfieldID list_data;          /* ArrayList.elementData */
    jfieldID list_size;          /* ArrayList.size */
    jmethodID url_to_string;     /* URL.toExternalForm() */
    jfieldID cl_parent;          /* ClassLoader.parent */
    jfieldID cl_name;            /* ClassLoader.name, NULL before JDK 9 */
    jfieldID thread_tccl;        /* Thread.contextClassLoader */
    jclass hooks_cls;            /* java.lang.ApplicationShutdownHooks, NULL if unusable */
    jfieldID hooks_field;        /* ApplicationShutdownHooks.hooks */
    jmethodID run_hooks;         /* ApplicationShutdownHooks.runHooks(), NULL if absent */
    jclass thread_cls;           /* java.lang.Thread */
    jfieldID thread_name;        /* Thread.name (a String on JDK 11..25), NULL if absent */
    jfieldID thread_target;      /* Thread.target: the Runnable up to JDK 18, else NULL */
    jfieldID thread_holder;      /* Thread.holder (JDK 19+), else NULL */
    jfieldID holder_task;        /* Thread$FieldHolder.task: the Runnable from JDK 19, else NULL */
};

/* Resolves the ids. Returns ML_OK, or ML_ERR_JVM (with one error line) when this JVM lacks a
 * class or field the agent needs. */
int ml_jdkids_init(JNIEnv *jni);

/* Resolves a field ID of cls, trying each descriptor in turn. NULL (exception cleared) if
 * none. */
jfieldID ml_jdkids_field(JNIEnv *jni, jclass cls, const char *name, const char *const *descs,
                         size_t n);

/* The ids (all NULL before ml_jdkids_init). */
const struct ml_jids *ml_jdkids(void);

/* The Runnable a Thread object runs (Thread.target up to JDK 18, Thread.holder.task from 19), as
 * a local reference the caller deletes; NULL when it has none or it cannot be read. Reads
 * fields only, runs no Java code. */
jobject ml_jdkids_thread_runnable(JNIEnv *jni, jobject thread);

#endif
