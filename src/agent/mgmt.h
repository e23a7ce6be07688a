/* The JVM's own accounting through java.lang.management: which collections are full ones, and
 * the Metaspace pools. Resolved once by the worker (ml_mgmt_init); worker thread only. */
#ifndef METALEAK_MGMT_H
#define METALEAK_MGMT_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_MGMT_MAX_BEANS 8

/* What the beans told at start, for the report. */
struct ml_mgmt_facts {
    const char *collectors[ML_MGMT_MAX_BEANS];  /* every collector's name */
    size_t n_collectors;
    const char *full[ML_MGMT_MAX_BEANS];        /* those whose collections count as full */
    size_t n_full;
    bool concurrent;                            /* the full collector is concurrent */
    const char *java_version;                   /* NULL when unknown */
    const char *vm_name;
};

/* Resolves the beans. Returns ML_OK, ML_ERR_NOMEM or ML_ERR_JVM. */
int ml_mgmt_init(jvmtiEnv *jvmti, JNIEnv *jni);
/* True once ml_mgmt_init succeeded. */
bool ml_mgmt_ready(void);
void ml_mgmt_facts(struct ml_mgmt_facts *out);
/* The full collector is concurrent (ZGC, Shenandoah): its threads stop before VM death. */
bool ml_mgmt_concurrent(void);
/* True when some collection counts as a full one (none under -XX:-ClassUnloading). */
bool ml_mgmt_has_full(void);
/* Full collections so far (sum over the full-collection beans): a call into Java per bean. */
uint64_t ml_mgmt_full_gcs(JNIEnv *jni);
/* A collection has finished since (the worker saw ML_REQ_GC): the cached count is stale. */
void ml_mgmt_note_gc(void);
/* The count of the last ml_mgmt_full_gcs, read again when a collection finished since
 * (ml_mgmt_note_gc) or a second has passed: the worker's passes for new loaders (hundreds a
 * second in a burst) need no call into Java. Never newer than the true count: a verdict may come
 * one pass later, never earlier. */
uint64_t ml_mgmt_full_gcs_cached(JNIEnv *jni);
/* Metaspace used/committed/max in bytes, -1 when unknown (max: -1 when unlimited). */
void ml_mgmt_metaspace(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max);
/* Compressed Class Space used/committed/max, -1 when the JVM has none. */
void ml_mgmt_class_space(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max);
/* Objects pending finalization (MemoryMXBean), -1 when unknown. */
long ml_mgmt_pending_finalization(JNIEnv *jni);
/* True when the platform MBean server exists already (ManagementFactory's private static
 * platformMBeanServer is set), without creating it. Creating it costs about 0.15 s of CPU and
 * 500 classes (docs/performance.md): the agent creates it only when a user asked for what needs
 * it (a report request, the agent's own MBean) or Metaspace is under pressure; whatever else
 * wants to register with it (the agent's MBean) does so only when this is true or the user
 * asked for it. */
bool ml_mgmt_platform_server_exists(JNIEnv *jni);

/* The objects this module holds with JNI global references (at most cap into out): a path
 * search ignores JNI global roots to them. Returns how many. */
size_t ml_mgmt_own_globals(jobject *out, size_t cap);

#endif
