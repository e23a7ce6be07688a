/* Loader tracking (see tracking.h): registering loaders, resolving a class or loader object to
 * its record, counting classes, ObjectFree. Runs on application threads (ClassPrepare) and the
 * worker; no allocation of ours on the per-class path. */
#include "tracking.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/flink.h"
#include "metaleak/jnames.h"
#include "state.h"

#define MAX_CHAIN 24             /* superclasses read to find a loader's Flink role */

/* This thread's last class loader and its record: the next class of the same loader (a loader
 * defines its classes in runs) skips GetTag(loader), the JVM's tag-map lookup under its lock.
 * The weak reference is this thread's own, deleted when the loader changes and at ThreadEnd; a
 * live loader's record is never reused, and a dead loader never matches. */
static _Thread_local jweak last_loader;
static _Thread_local struct ml_loader *last_record;

int ml_track_describe_class(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader, struct ml_loader *l)
{
    char *sigs[MAX_CHAIN];
    size_t n = 0;
    jclass cls = (*jni)->GetObjectClass(jni, loader);
    char name[1024];
    jint hash = 0;
    int rc = ML_OK;

    while (cls != NULL && n < MAX_CHAIN) {
        jclass super;

        if (!ml_jvmti_ok((*jvmti)->GetClassSignature(jvmti, cls, &sigs[n], NULL),
                         ML_ON_ERROR_FAIL, "GetClassSignature(loader class)")) {
            (*jni)->DeleteLocalRef(jni, cls);
            rc = ML_ERR_JVM;
            goto cleanup;
        }
        n++;
        if (strcmp(sigs[n - 1], "Ljava/lang/ClassLoader;") == 0) {
            (*jni)->DeleteLocalRef(jni, cls);
            break;
        }
        super = (*jni)->GetSuperclass(jni, cls);
        (*jni)->DeleteLocalRef(jni, cls);
        cls = super;
    }
    if (n > 0 && ml_sig_to_name(sigs[0], name, sizeof(name))) {
        free(l->class_name);
        l->class_name = strdup(name);
    }
    l->role = ml_flink_role((const char *const *)sigs, n, &l->order);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sigs[i], "Ljava/net/URLClassLoader;") == 0)
            l->url_loader = true;
    }
    /* No hash (a failure here) only leaves identity_hash null in reports. */
    if (ml_jvmti_ok((*jvmti)->GetObjectHashCode(jvmti, loader, &hash), ML_ON_ERROR_DEBUG,
                    "GetObjectHashCode(loader)")) {
        l->identity_hash = (uint32_t)hash;
        l->has_hash = true;
    }
cleanup:
    for (size_t i = 0; i < n; i++)
        ml_jvmti_free(jvmti, sigs[i]);
    return rc;
}

struct ml_loader *ml_track_register(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader)
{
    struct ml_registry *reg = ml_reg();
    struct ml_loader *l = NULL;
    jlong tag = 0;
    jweak weak;

    if (!ml_reg_lock())
        return NULL;
    /* Another thread may have registered it while we waited for the lock. */
    if (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, loader, &tag), ML_ON_ERROR_FAIL, "GetTag(loader)"))
        goto done;
    if (tag != 0) {
        l = ml_registry_lookup(reg, (uint64_t)tag);
        goto done;
    }
    l = ml_registry_add(reg, ml_clock_ms());
    if (l == NULL) {
        /* Bound reached (counted in dropped.loaders once): mark the loader so that its next
         * classes do not try again. */
        ml_jvmti_ok((*jvmti)->SetTag(jvmti, loader, (jlong)ML_TAG_UNTRACKED), ML_ON_ERROR_FAIL,
                    "SetTag(untracked loader)");
        goto done;
    }
    weak = (*jni)->NewWeakGlobalRef(jni, loader);
    if (weak == NULL) {
        ml_jni_clear(jni);
        ml_fail("NewWeakGlobalRef(loader) failed", JVMTI_ERROR_NONE);
        l = NULL;
        goto done;
    }
    l->handle = weak;
    if (!ml_jvmti_ok((*jvmti)->SetTag(jvmti, loader, (jlong)ml_loader_tag(l)), ML_ON_ERROR_FAIL,
                     "SetTag(loader)")) {
        l = NULL;
        goto done;
    }
    /* The class name and Flink role are read now, so that even a loader that dies before the
     * worker looks at it is named in reports. */
    if (ml_track_describe_class(jvmti, jni, loader, l) != ML_OK)
        l = NULL;
done:
    ml_reg_unlock();
    if (l != NULL && tag == 0)
        ml_mail_wake(l->role == ML_ROLE_USER_CODE ? ML_REQ_NEW_LOADER | ML_REQ_JOB_LOADER
                                                  : ML_REQ_NEW_LOADER);
    return l;
}

struct ml_loader *ml_track_loader_of(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool use_cache,
                                     jobject *loader, enum ml_track_found *how)
{
    struct ml_registry *reg = ml_reg();
    struct ml_loader *l;
    jlong tag = 0;

    *loader = NULL;
    if (!ml_jvmti_ok((*jvmti)->GetClassLoader(jvmti, klass, loader), ML_ON_ERROR_FAIL,
                     "GetClassLoader"))
        return NULL;
    if (*loader == NULL) {
        *how = ML_TRACK_BOOT;
        return ml_registry_boot(reg);
    }
    if (use_cache && last_loader != NULL && (*jni)->IsSameObject(jni, *loader, last_loader)) {
        *how = ML_TRACK_CACHED;
        return last_record;
    }
    if (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, *loader, &tag), ML_ON_ERROR_FAIL, "GetTag(loader)") ||
        ((uint64_t)tag & ML_TAG_UNTRACKED) != 0)
        return NULL;
    l = ml_registry_lookup(reg, (uint64_t)tag);
    *how = ML_TRACK_TAGGED;
    if (l == NULL) {
        l = ml_track_register(jvmti, jni, *loader);
        *how = ML_TRACK_NEW;
    }
    return l;
}

void ml_track_remember(JNIEnv *jni, jobject loader, struct ml_loader *l)
{
    if (last_loader != NULL)
        (*jni)->DeleteWeakGlobalRef(jni, last_loader);
    last_loader = (*jni)->NewWeakGlobalRef(jni, loader);
    if (last_loader == NULL)
        ml_jni_clear(jni);
    last_record = last_loader != NULL ? l : NULL;
}

void ml_track_class(jvmtiEnv *jvmti, jclass klass, struct ml_loader *l, bool mark_counted,
                    int64_t now_ms)
{
    jboolean modifiable = JNI_FALSE;
    char *sig = NULL;
    bool hidden = false;

    /* Hidden classes are never modifiable (Lookup.defineHiddenClass: "not modifiable by ...
     * JVM TI agents"), so a modifiable class is not hidden: that answer costs no allocation.
     * Only the others (hidden ones, a few JDK internals) have their signature read. */
    if (!ml_jvmti_ok((*jvmti)->IsModifiableClass(jvmti, klass, &modifiable), ML_ON_ERROR_FAIL,
                     "IsModifiableClass"))
        return;
    if (!modifiable) {
        if (!ml_jvmti_ok((*jvmti)->GetClassSignature(jvmti, klass, &sig, NULL), ML_ON_ERROR_FAIL,
                         "GetClassSignature"))
            return;
        hidden = ml_sig_is_hidden(sig);
        ml_jvmti_free(jvmti, sig);
    }
    atomic_fetch_add_explicit(&l->classes_defined, 1, memory_order_relaxed);
    atomic_store_explicit(&l->last_define_ms, now_ms, memory_order_relaxed);
    if (hidden) {
        /* A hidden class can be unloaded before its loader: tag it to see that. */
        atomic_fetch_add_explicit(&l->hidden_defined, 1, memory_order_relaxed);
        ml_jvmti_ok((*jvmti)->SetTag(jvmti, klass, (jlong)ml_loader_hidden_tag(l)),
                    ML_ON_ERROR_FAIL, "SetTag(hidden class)");
    } else if (mark_counted) {
        ml_jvmti_ok((*jvmti)->SetTag(jvmti, klass, (jlong)ML_TAG_SEEN), ML_ON_ERROR_FAIL,
                    "SetTag(class)");
    }
}

struct ml_loader *ml_track_defining_loader(jvmtiEnv *jvmti, JNIEnv *jni, jclass cls)
{
    jobject loader = NULL;
    jlong tag = 0;
    struct ml_loader *l = NULL;

    /* A class may be unloaded meanwhile (invalid): then it has no record to give. */
    if (cls == NULL || !ml_jvmti_ok((*jvmti)->GetClassLoader(jvmti, cls, &loader),
                                    ML_ON_ERROR_SKIP, "GetClassLoader"))
        return NULL;
    if (loader == NULL)
        return ml_registry_boot(ml_reg());
    if (ml_jvmti_ok((*jvmti)->GetTag(jvmti, loader, &tag), ML_ON_ERROR_SKIP, "GetTag(loader)"))
        l = ml_registry_lookup(ml_reg(), (uint64_t)tag);
    (*jni)->DeleteLocalRef(jni, loader);
    return l;
}

uint64_t ml_track_loader_id(jvmtiEnv *jvmti, JNIEnv *jni, jobject obj)
{
    struct ml_loader *p;
    jlong tag = 0;

    if (obj == NULL)
        return 0; /* the bootstrap loader */
    if (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, obj, &tag), ML_ON_ERROR_SKIP, "GetTag(loader)"))
        return ML_ID_NONE;
    p = ml_registry_lookup(ml_reg(), (uint64_t)tag);
    if (p == NULL)
        p = ml_track_register(jvmti, jni, obj);
    return p == NULL ? ML_ID_NONE : p->id;
}

void ml_track_object_free(jlong tag)
{
    struct ml_registry *reg = ml_reg();
    struct ml_loader *l;

    if (reg == NULL || ((uint64_t)tag & (ML_TAG_SEEN | ML_TAG_UNTRACKED)) != 0)
        return;
    l = ml_registry_lookup(reg, (uint64_t)tag);
    if (l == NULL)
        return;
    if (((uint64_t)tag & ML_TAG_HIDDEN) != 0) {
        atomic_fetch_add_explicit(&l->hidden_unloaded, 1, memory_order_relaxed);
        return;
    }
    atomic_store(&l->freed_ms, ml_clock_ms());
    ml_mail_post(ML_REQ_FREED);
}

void ml_track_thread_end(JNIEnv *jni)
{
    if (last_loader != NULL) {
        (*jni)->DeleteWeakGlobalRef(jni, last_loader);
        last_loader = NULL;
        last_record = NULL;
    }
}
