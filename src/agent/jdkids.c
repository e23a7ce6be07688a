/* JNI ids of the JDK classes and fields the agent reads (see jdkids.h). */
#include "jdkids.h"

#include "jvmerror.h"
#include "metaleak/error.h"
#include "metaleak/log.h"

static struct ml_jids jids;

const struct ml_jids *ml_jdkids(void)
{
    return &jids;
}

jfieldID ml_jdkids_field(JNIEnv *jni, jclass cls, const char *name, const char *const *descs,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jfieldID f = (*jni)->GetFieldID(jni, cls, name, descs[i]);

        if (f != NULL)
            return f;
        ml_jni_clear(jni);
    }
    return NULL;
}

static jclass find_global(JNIEnv *jni, const char *name)
{
    jclass local = (*jni)->FindClass(jni, name);
    jclass global;

    if (local == NULL) {
        ml_jni_clear(jni);
        return NULL;
    }
    global = (*jni)->NewGlobalRef(jni, local);
    (*jni)->DeleteLocalRef(jni, local);
    return global;
}

/* Thread.name and the Runnable's field: Thread.target up to JDK 18, Thread.holder.task from
 * JDK 19 (JEP 425 moved it into Thread$FieldHolder). */
static void thread_fields(JNIEnv *jni, struct ml_jids *ids)
{
    static const char *const str_descs[] = {"Ljava/lang/String;"};
    static const char *const run_descs[] = {"Ljava/lang/Runnable;"};
    static const char *const holder_descs[] = {"Ljava/lang/Thread$FieldHolder;"};
    jclass holder_cls;

    if (ids->thread_cls == NULL)
        return;
    ids->thread_name = ml_jdkids_field(jni, ids->thread_cls, "name", str_descs, 1);
    ids->thread_target = ml_jdkids_field(jni, ids->thread_cls, "target", run_descs, 1);
    ids->thread_holder = ml_jdkids_field(jni, ids->thread_cls, "holder", holder_descs, 1);
    if (ids->thread_holder == NULL)
        return;
    holder_cls = (*jni)->FindClass(jni, "java/lang/Thread$FieldHolder");
    if (holder_cls == NULL) {
        ml_jni_clear(jni);
        ids->thread_holder = NULL;
        return;
    }
    ids->holder_task = ml_jdkids_field(jni, holder_cls, "task", run_descs, 1);
    (*jni)->DeleteLocalRef(jni, holder_cls);
}

jobject ml_jdkids_thread_runnable(JNIEnv *jni, jobject thread)
{
    jobject holder, task;

    if (thread == NULL)
        return NULL;
    if (jids.thread_target != NULL)
        return (*jni)->GetObjectField(jni, thread, jids.thread_target);
    if (jids.thread_holder == NULL || jids.holder_task == NULL)
        return NULL;
    holder = (*jni)->GetObjectField(jni, thread, jids.thread_holder);
    if (holder == NULL)
        return NULL;
    task = (*jni)->GetObjectField(jni, holder, jids.holder_task);
    (*jni)->DeleteLocalRef(jni, holder);
    return task;
}

int ml_jdkids_init(JNIEnv *jni)
{
    static const char *const ucp_descs[] = {"Ljdk/internal/loader/URLClassPath;",
                                            "Lsun/misc/URLClassPath;"};
    static const char *const list_descs[] = {"Ljava/util/ArrayList;"};
    static const char *const bool_descs[] = {"Z"};
    static const char *const int_descs[] = {"I"};
    static const char *const arr_descs[] = {"[Ljava/lang/Object;"};
    static const char *const cl_descs[] = {"Ljava/lang/ClassLoader;"};
    static const char *const str_descs[] = {"Ljava/lang/String;"};
    jclass ucp_cls = NULL, list_cls = NULL, url_cls = NULL, cl_cls = NULL, thr_cls = NULL;
    const char *missing = NULL;
    struct ml_jids *ids = &jids;
    int rc = ML_ERR_JVM;

    ids->url_loader_cls = find_global(jni, "java/net/URLClassLoader");
    ucp_cls = (*jni)->FindClass(jni, "jdk/internal/loader/URLClassPath");
    if (ucp_cls == NULL) {
        ml_jni_clear(jni);
        ucp_cls = (*jni)->FindClass(jni, "sun/misc/URLClassPath");
    }
    list_cls = (*jni)->FindClass(jni, "java/util/ArrayList");
    url_cls = (*jni)->FindClass(jni, "java/net/URL");
    cl_cls = (*jni)->FindClass(jni, "java/lang/ClassLoader");
    thr_cls = (*jni)->FindClass(jni, "java/lang/Thread");
    if (ids->url_loader_cls == NULL || ucp_cls == NULL || list_cls == NULL || url_cls == NULL ||
        cl_cls == NULL || thr_cls == NULL) {
        ml_jni_clear(jni);
        missing = "a JDK class (URLClassLoader, URLClassPath, ArrayList, URL, ClassLoader, Thread)";
        goto cleanup;
    }
    ids->ucl_ucp = ml_jdkids_field(jni, ids->url_loader_cls, "ucp", ucp_descs, 2);
    ids->ucp_closed = ml_jdkids_field(jni, ucp_cls, "closed", bool_descs, 1);
    ids->ucp_path = ml_jdkids_field(jni, ucp_cls, "path", list_descs, 1);
    ids->list_data = ml_jdkids_field(jni, list_cls, "elementData", arr_descs, 1);
    ids->list_size = ml_jdkids_field(jni, list_cls, "size", int_descs, 1);
    ids->cl_parent = ml_jdkids_field(jni, cl_cls, "parent", cl_descs, 1);
    ids->cl_name = ml_jdkids_field(jni, cl_cls, "name", str_descs, 1); /* JDK 9+; optional */
    ids->thread_tccl = ml_jdkids_field(jni, thr_cls, "contextClassLoader", cl_descs, 1);
    ids->url_to_string = (*jni)->GetMethodID(jni, url_cls, "toExternalForm", "()Ljava/lang/String;");
    ml_jni_clear(jni);
    if (ids->ucl_ucp == NULL || ids->ucp_closed == NULL || ids->ucp_path == NULL ||
        ids->list_data == NULL || ids->list_size == NULL || ids->cl_parent == NULL ||
        ids->thread_tccl == NULL || ids->url_to_string == NULL) {
        missing = "a JDK field (URLClassLoader.ucp, URLClassPath.closed/path, ArrayList, "
                  "ClassLoader.parent, Thread.contextClassLoader)";
        goto cleanup;
    }
    /* Optional: what the reference-path search reads from Thread objects (refname.c). */
    ids->thread_cls = find_global(jni, "java/lang/Thread");
    thread_fields(jni, ids);
    /* Optional: the start of application shutdown hooks (see on_thread_start). */
    ids->hooks_cls = find_global(jni, "java/lang/ApplicationShutdownHooks");
    if (ids->hooks_cls != NULL) {
        ids->hooks_field = (*jni)->GetStaticFieldID(jni, ids->hooks_cls, "hooks",
                                                    "Ljava/util/IdentityHashMap;");
        if (ids->hooks_field == NULL) {
            ml_jni_clear(jni);
            (*jni)->DeleteGlobalRef(jni, ids->hooks_cls);
            ids->hooks_cls = NULL;
            ml_log(ML_LOG_DEBUG, "no ApplicationShutdownHooks.hooks: no shutdown checkpoint");
        }
    }
    /* Optional: the frame that holds the hooks while they run (refhooks.c names them). */
    if (ids->hooks_cls != NULL) {
        ids->run_hooks = (*jni)->GetStaticMethodID(jni, ids->hooks_cls, "runHooks", "()V");
        if (ids->run_hooks == NULL)
            ml_jni_clear(jni);
    }
    rc = ML_OK;
cleanup:
    if (missing != NULL)
        ml_log_error("this JVM lacks %s", missing);
    if (ucp_cls != NULL)
        (*jni)->DeleteLocalRef(jni, ucp_cls);
    if (list_cls != NULL)
        (*jni)->DeleteLocalRef(jni, list_cls);
    if (url_cls != NULL)
        (*jni)->DeleteLocalRef(jni, url_cls);
    if (cl_cls != NULL)
        (*jni)->DeleteLocalRef(jni, cl_cls);
    if (thr_cls != NULL)
        (*jni)->DeleteLocalRef(jni, thr_cls);
    return rc;
}
