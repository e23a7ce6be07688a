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
/* Full collections so far (sum over the full-collection beans). */
uint64_t ml_mgmt_full_gcs(JNIEnv *jni);
/* Metaspace used/committed/max in bytes, -1 when unknown (max: -1 when unlimited). */
void ml_mgmt_metaspace(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max);
/* Compressed Class Space used/committed/max, -1 when the JVM has none. */
void ml_mgmt_class_space(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max);
/* Objects pending finalization (MemoryMXBean), -1 when unknown. */
long ml_mgmt_pending_finalization(JNIEnv *jni);
/* The objects this module holds with JNI global references (at most cap into out): a path
 * search ignores JNI global roots to them. Returns how many. */
size_t ml_mgmt_own_globals(jobject *out, size_t cap);

#endif
