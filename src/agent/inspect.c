/* Reading class loaders through JNI on the worker thread: class, Flink role, name, parent,
 * URLs, and whether the owner has released them. Only fields are read (no Java code of the
 * application runs), except URL.toExternalForm() of the JDK's URL class.
 *
 * The loader is reached through its weak reference and held by a local reference only for the
 * duration of one call, so metaleak itself never keeps a loader alive. */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

#include "jdkids.h"
#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/error.h"
#include "metaleak/flink.h"
#include "metaleak/log.h"
#include "state.h"
#include "tracking.h"

int ml_inspect_urls(JNIEnv *jni, jobject obj, struct ml_loader *l)
{
    const struct ml_jids *ids = ml_jdkids();
    jobject ucp = (*jni)->GetObjectField(jni, obj, ids->ucl_ucp);
    jobject path = NULL;
    jobjectArray data = NULL;
    jint size, len;
    char job[33];
    bool url_job = false;

    ml_loader_clear_urls(l);
    if (ucp == NULL)
        return ML_OK;
    path = (*jni)->GetObjectField(jni, ucp, ids->ucp_path);
    if (path == NULL)
        goto cleanup;
    size = (*jni)->GetIntField(jni, path, ids->list_size);
    data = (*jni)->GetObjectField(jni, path, ids->list_data);
    if (data == NULL)
        goto cleanup;
    len = (*jni)->GetArrayLength(jni, data);
    for (jint i = 0; i < size && i < len; i++) {
        jobject url = (*jni)->GetObjectArrayElement(jni, data, i);
        jstring s;
        char *text;

        if (url == NULL)
            continue;
        s = (*jni)->CallObjectMethod(jni, url, ids->url_to_string);
        (*jni)->DeleteLocalRef(jni, url);
        if (ml_jni_clear(jni) || s == NULL)
            continue;
        text = ml_jni_strdup(jni, s);
        (*jni)->DeleteLocalRef(jni, s);
        if (text == NULL)
            continue;
        ml_loader_add_url(ml_reg(), l, text);
        if (!url_job)
            url_job = ml_flink_job_id(text, job);
        free(text);
    }
    /* A blob URL's job id wins over one read from a task thread (link_wrapper). */
    if (url_job)
        memcpy(l->job_id, job, sizeof(job));
cleanup:
    if (data != NULL)
        (*jni)->DeleteLocalRef(jni, data);
    if (path != NULL)
        (*jni)->DeleteLocalRef(jni, path);
    (*jni)->DeleteLocalRef(jni, ucp);
    return ML_OK;
}

int ml_inspect_loader(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_loader *l)
{
    const struct ml_jids *ids = ml_jdkids();
    jobject obj = (*jni)->NewLocalRef(jni, (jweak)l->handle);
    jobject parent;
    int rc = ML_OK;

    if (obj == NULL)
        return ML_OK; /* already collected: ObjectFree follows */
    if (l->class_name == NULL)
        rc = ml_track_describe_class(jvmti, jni, obj, l);
    if (rc != ML_OK)
        goto cleanup;
    if (ids->cl_name != NULL) {
        jstring name = (*jni)->GetObjectField(jni, obj, ids->cl_name);

        free(l->name);
        l->name = ml_jni_strdup(jni, name);
        if (name != NULL)
            (*jni)->DeleteLocalRef(jni, name);
    }
    parent = (*jni)->GetObjectField(jni, obj, ids->cl_parent);
    l->parent_id = ml_track_loader_id(jvmti, jni, parent);
    if (parent != NULL)
        (*jni)->DeleteLocalRef(jni, parent);
    if (l->url_loader)
        rc = ml_inspect_urls(jni, obj, l);
    l->inspected = true;
cleanup:
    (*jni)->DeleteLocalRef(jni, obj);
    return rc;
}

/* The `inner` field of a Flink SafetyNet wrapper (its type differs across releases). */
static jfieldID wrapper_inner_field(JNIEnv *jni, jobject wrapper)
{
    static const char *const descs[] = {
        "Lorg/apache/flink/util/FlinkUserCodeClassLoader;",
        "Lorg/apache/flink/runtime/execution/librarycache/FlinkUserCodeClassLoader;",
        "Ljava/net/URLClassLoader;",
        "Ljava/lang/ClassLoader;",
    };
    jclass cls = (*jni)->GetObjectClass(jni, wrapper);
    jfieldID f = ml_jdkids_field(jni, cls, "inner", descs, sizeof(descs) / sizeof(descs[0]));

    (*jni)->DeleteLocalRef(jni, cls);
    return f;
}

bool ml_inspect_closed(JNIEnv *jni, struct ml_loader *l, bool *ok)
{
    const struct ml_jids *ids = ml_jdkids();
    jobject obj = (*jni)->NewLocalRef(jni, (jweak)l->handle);
    bool closed = false;

    *ok = true;
    if (obj == NULL)
        return false;
    if (l->role == ML_ROLE_WRAPPER) {
        jfieldID f = wrapper_inner_field(jni, obj);
        jobject inner;

        if (f == NULL) {
            *ok = false;
            goto cleanup;
        }
        inner = (*jni)->GetObjectField(jni, obj, f);
        closed = inner == NULL;
        if (inner != NULL)
            (*jni)->DeleteLocalRef(jni, inner);
    } else if (l->url_loader) {
        jobject ucp = (*jni)->GetObjectField(jni, obj, ids->ucl_ucp);

        if (ucp != NULL) {
            closed = (*jni)->GetBooleanField(jni, ucp, ids->ucp_closed) == JNI_TRUE;
            (*jni)->DeleteLocalRef(jni, ucp);
        }
        /* URLs survive close(); read them again for loaders that added URLs late. */
        if (closed)
            ml_inspect_urls(jni, obj, l);
    }
cleanup:
    (*jni)->DeleteLocalRef(jni, obj);
    return closed;
}

/* The Runnable of a Thread: Thread.target up to JDK 18, Thread.holder.task from JDK 19. The
 * ids are resolved once, on the worker thread (the only caller). NULL when there is none. */
static jobject thread_runnable(JNIEnv *jni, jthread thread)
{
    static const char *const runnable[] = {"Ljava/lang/Runnable;"};
    static const char *const holder_desc[] = {"Ljava/lang/Thread$FieldHolder;"};
    static bool resolved;
    static jfieldID target, holder, task;
    jobject h, r;

    if (!resolved) {
        jclass thr = (*jni)->FindClass(jni, "java/lang/Thread");
        jclass fh = NULL;

        resolved = true;
        if (thr == NULL) {
            ml_jni_clear(jni);
            return NULL;
        }
        target = ml_jdkids_field(jni, thr, "target", runnable, 1);
        if (target == NULL) {
            holder = ml_jdkids_field(jni, thr, "holder", holder_desc, 1);
            fh = (*jni)->FindClass(jni, "java/lang/Thread$FieldHolder");
            if (fh == NULL)
                ml_jni_clear(jni);
            else
                task = ml_jdkids_field(jni, fh, "task", runnable, 1);
        }
        if (target == NULL && (holder == NULL || task == NULL))
            ml_log(ML_LOG_INFO, "no Thread.target or Thread.holder.task in this JDK: job ids "
                                "of jobs without jars are not read from their task threads");
        (*jni)->DeleteLocalRef(jni, thr);
        if (fh != NULL)
            (*jni)->DeleteLocalRef(jni, fh);
    }
    if (target != NULL)
        return (*jni)->GetObjectField(jni, thread, target);
    if (holder == NULL || task == NULL)
        return NULL;
    h = (*jni)->GetObjectField(jni, thread, holder);
    if (h == NULL)
        return NULL;
    r = (*jni)->GetObjectField(jni, h, task);
    (*jni)->DeleteLocalRef(jni, h);
    return r;
}

/* A long field of obj (inherited ones too), or false. */
static bool long_field(JNIEnv *jni, jobject obj, const char *name, jlong *out)
{
    jclass cls = (*jni)->GetObjectClass(jni, obj);
    jfieldID f = (*jni)->GetFieldID(jni, cls, name, "J");

    (*jni)->DeleteLocalRef(jni, cls);
    if (f == NULL) {
        ml_jni_clear(jni);
        return false;
    }
    *out = (*jni)->GetLongField(jni, obj, f);
    return true;
}

/* The job id of a Flink task thread: its Runnable is org.apache.flink.runtime.taskmanager.Task,
 * whose field jobId is the JobID (AbstractID: lowerPart, upperPart). Fields only: no Java code
 * runs. Writes out and returns true, or returns false for any other thread. */
static bool task_job_id(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread, char out[33])
{
    jobject task = thread_runnable(jni, thread), id = NULL;
    jclass cls = NULL;
    char *sig = NULL;
    jfieldID f;
    jlong lower, upper;
    bool ok = false;

    if (task == NULL)
        return false;
    cls = (*jni)->GetObjectClass(jni, task);
    if (!ml_jvmti_ok((*jvmti)->GetClassSignature(jvmti, cls, &sig, NULL), ML_ON_ERROR_SKIP,
                     "GetClassSignature(task)") ||
        !ml_flink_is_task_sig(sig))
        goto cleanup;
    f = (*jni)->GetFieldID(jni, cls, "jobId", "Lorg/apache/flink/api/common/JobID;");
    if (f == NULL) {
        ml_jni_clear(jni);
        goto cleanup;
    }
    id = (*jni)->GetObjectField(jni, task, f);
    if (id != NULL && long_field(jni, id, "lowerPart", &lower) &&
        long_field(jni, id, "upperPart", &upper)) {
        ml_flink_job_id_of_parts(lower, upper, out);
        ok = true;
    }
cleanup:
    if (id != NULL)
        (*jni)->DeleteLocalRef(jni, id);
    (*jni)->DeleteLocalRef(jni, cls);
    (*jni)->DeleteLocalRef(jni, task);
    ml_jvmti_free(jvmti, sig);
    return ok;
}

/* One thread's context class loader, if it is a SafetyNet wrapper: links the wrapper and the
 * loader it wraps, registering either when it has no record yet (a job without jars has a
 * user-code loader that defines no class: its generated code lives in loaders below the
 * wrapper), and gives both the job id of the task thread when no blob URL named the job. */
static void link_wrapper(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread, jobject tccl)
{
    struct ml_loader *inner_rec = NULL, *w = NULL;
    jclass cls;
    char *sig = NULL;
    char job[33] = "";
    jfieldID f;
    jobject inner = NULL;
    jlong tag = 0;

    if (!ml_jvmti_ok((*jvmti)->GetTag(jvmti, tccl, &tag), ML_ON_ERROR_SKIP, "GetTag(tccl)"))
        return;
    if (tag != 0) {
        /* Known: done once linked with a job id; a loader that is no wrapper is skipped. */
        w = ml_registry_lookup(ml_reg(), (uint64_t)tag);
        if (w == NULL || w->role != ML_ROLE_WRAPPER ||
            (w->inner_id != ML_ID_NONE && w->job_id[0] != '\0'))
            return;
    } else {
        cls = (*jni)->GetObjectClass(jni, tccl);
        if (!ml_jvmti_ok((*jvmti)->GetClassSignature(jvmti, cls, &sig, NULL), ML_ON_ERROR_SKIP,
                         "GetClassSignature(tccl)"))
            sig = NULL;
        (*jni)->DeleteLocalRef(jni, cls);
        if (sig == NULL || !ml_flink_is_wrapper_sig(sig))
            goto cleanup;
    }
    f = wrapper_inner_field(jni, tccl);
    if (f == NULL)
        goto cleanup;
    inner = (*jni)->GetObjectField(jni, tccl, f);
    if (inner == NULL)
        goto cleanup; /* released already */
    inner_rec = ml_track_register(jvmti, jni, inner);
    if (inner_rec == NULL || (w == NULL && (w = ml_track_register(jvmti, jni, tccl)) == NULL))
        goto cleanup;
    task_job_id(jvmti, jni, thread, job);
    if (ml_reg_lock()) {
        w->inner_id = inner_rec->id;
        inner_rec->wrapper_id = w->id;
        /* The blob URL's id first (ml_inspect_urls); the task's for a loader without one. */
        if (inner_rec->job_id[0] == '\0' && job[0] != '\0')
            memcpy(inner_rec->job_id, job, sizeof(job));
        memcpy(w->job_id, inner_rec->job_id, sizeof(w->job_id));
        ml_reg_unlock();
    }
cleanup:
    if (inner != NULL)
        (*jni)->DeleteLocalRef(jni, inner);
    ml_jvmti_free(jvmti, sig);
}

int ml_inspect_wrappers(jvmtiEnv *jvmti, JNIEnv *jni)
{
    jfieldID tccl_field = ml_jdkids()->thread_tccl;
    jthread *threads = NULL;
    jint n = 0;

    if (!ml_jvmti_ok((*jvmti)->GetAllThreads(jvmti, &n, &threads), ML_ON_ERROR_FAIL,
                     "GetAllThreads"))
        return ML_ERR_JVM;
    for (jint i = 0; i < n; i++) {
        jobject tccl = (*jni)->GetObjectField(jni, threads[i], tccl_field);

        if (tccl != NULL) {
            link_wrapper(jvmti, jni, threads[i], tccl);
            (*jni)->DeleteLocalRef(jni, tccl);
        }
        (*jni)->DeleteLocalRef(jni, threads[i]);
    }
    ml_jvmti_free(jvmti, threads);
    return ML_OK;
}
