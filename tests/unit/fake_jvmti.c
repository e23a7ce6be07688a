/* A thin fake JVM: the jvmtiEnv and JNIEnv function tables the agent's glue calls (see
 * fake_jvmti.h). */
#include "fake_jvmti.h"

#include <stdlib.h>
#include <string.h>

struct fake_world fw;

#define OBJ(x) ((struct fobj *)(void *)(x))
#define COUNT(fn)                                                                              \
    do {                                                                                       \
        fw.calls[fn]++;                                                                        \
        if (fw.fail[fn] != JVMTI_ERROR_NONE)                                                   \
            return fw.fail[fn];                                                                \
    } while (0)

static struct fobj *object_class, *class_loader_class, *url_loader_class;

static struct fobj *alloc_obj(void)
{
    if (fw.n >= FAKE_MAX_OBJECTS)
        abort();
    return &fw.objs[fw.n++];
}

void fake_reset(void)
{
    memset(&fw, 0, sizeof(fw));
    object_class = class_loader_class = url_loader_class = NULL;
}

static struct fobj *bootstrap_class(const char *sig, struct fobj *super)
{
    struct fobj *c = alloc_obj();

    c->is_class = true;
    c->sig = sig;
    c->super = super;
    c->modifiable = true;
    c->status = JVMTI_CLASS_STATUS_VERIFIED | JVMTI_CLASS_STATUS_PREPARED |
                JVMTI_CLASS_STATUS_INITIALIZED;
    return c;
}

struct fobj *fake_object_class(void)
{
    if (object_class == NULL)
        object_class = bootstrap_class("Ljava/lang/Object;", NULL);
    return object_class;
}

struct fobj *fake_class_loader_class(void)
{
    if (class_loader_class == NULL)
        class_loader_class = bootstrap_class("Ljava/lang/ClassLoader;", fake_object_class());
    return class_loader_class;
}

struct fobj *fake_url_loader_class(void)
{
    if (url_loader_class == NULL) {
        struct fobj *secure = bootstrap_class("Ljava/security/SecureClassLoader;",
                                              fake_class_loader_class());

        url_loader_class = bootstrap_class("Ljava/net/URLClassLoader;", secure);
    }
    return url_loader_class;
}

struct fobj *fake_class(const char *sig, struct fobj *loader)
{
    struct fobj *c = bootstrap_class(sig, fake_object_class());

    c->loader = loader;
    fw.loaded[fw.n_loaded++] = c;
    return c;
}

struct fobj *fake_hidden_class(const char *sig, struct fobj *loader)
{
    struct fobj *c = fake_class(sig, loader);

    c->modifiable = false;
    return c;
}

struct fobj *fake_loader(struct fobj *cls, jint hash)
{
    struct fobj *l = alloc_obj();

    l->cls = cls;
    l->hash = hash;
    return l;
}

/* ---- jvmtiEnv ---- */

static jvmtiError JNICALL get_tag(jvmtiEnv *env, jobject object, jlong *tag_ptr)
{
    (void)env;
    if (fw.tag_calls_on == NULL || fw.tag_calls_on == OBJ(object))
        fw.calls[FAKE_GET_TAG]++;
    if (fw.fail[FAKE_GET_TAG] != JVMTI_ERROR_NONE)
        return fw.fail[FAKE_GET_TAG];
    *tag_ptr = OBJ(object)->tag;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL set_tag(jvmtiEnv *env, jobject object, jlong tag)
{
    (void)env;
    COUNT(FAKE_SET_TAG);
    OBJ(object)->tag = tag;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL get_class_loader(jvmtiEnv *env, jclass klass, jobject *loader)
{
    (void)env;
    COUNT(FAKE_GET_CLASS_LOADER);
    *loader = (jobject)OBJ(klass)->loader;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL is_modifiable(jvmtiEnv *env, jclass klass, jboolean *out)
{
    (void)env;
    COUNT(FAKE_IS_MODIFIABLE);
    *out = OBJ(klass)->modifiable ? JNI_TRUE : JNI_FALSE;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL get_signature(jvmtiEnv *env, jclass klass, char **sig, char **generic)
{
    (void)env;
    COUNT(FAKE_GET_SIGNATURE);
    *sig = strdup(OBJ(klass)->sig);
    if (generic != NULL)
        *generic = NULL;
    return *sig == NULL ? JVMTI_ERROR_OUT_OF_MEMORY : JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL deallocate(jvmtiEnv *env, unsigned char *mem)
{
    (void)env;
    free(mem);
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL get_hash(jvmtiEnv *env, jobject object, jint *hash)
{
    (void)env;
    COUNT(FAKE_HASH);
    *hash = OBJ(object)->hash;
    return JVMTI_ERROR_NONE;
}

static int monitor_ids;

static jvmtiError JNICALL create_monitor(jvmtiEnv *env, const char *name, jrawMonitorID *id)
{
    (void)env;
    (void)name;
    *id = (jrawMonitorID)(void *)&monitor_ids; /* never dereferenced by the agent */
    monitor_ids++;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL monitor_enter(jvmtiEnv *env, jrawMonitorID id)
{
    (void)env;
    (void)id;
    COUNT(FAKE_MONITOR_ENTER);
    fw.monitors_held++;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL monitor_exit(jvmtiEnv *env, jrawMonitorID id)
{
    (void)env;
    (void)id;
    fw.monitors_held--;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL monitor_wait(jvmtiEnv *env, jrawMonitorID id, jlong ms)
{
    (void)env;
    (void)id;
    (void)ms; /* nobody else runs: a wait returns at once, like a timeout */
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL monitor_notify_all(jvmtiEnv *env, jrawMonitorID id)
{
    (void)env;
    (void)id;
    return JVMTI_ERROR_NONE;
}

/* A JVMTI-allocated array of the given classes. */
static jvmtiError class_array(struct fobj **from, int n, jint *count, jclass **out)
{
    jclass *arr = malloc(((size_t)n + 1) * sizeof(*arr));

    if (arr == NULL)
        return JVMTI_ERROR_OUT_OF_MEMORY;
    for (int i = 0; i < n; i++)
        arr[i] = (jclass)from[i];
    *count = n;
    *out = arr;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL get_loaded_classes(jvmtiEnv *env, jint *count, jclass **classes)
{
    (void)env;
    COUNT(FAKE_GET_LOADED_CLASSES);
    if (fw.on_list != NULL)
        fw.on_list(fw.on_list_arg);
    return class_array(fw.loaded, fw.n_loaded, count, classes);
}

static jvmtiError JNICALL get_loader_classes(jvmtiEnv *env, jobject loader, jint *count,
                                             jclass **classes)
{
    struct fobj *mine[FAKE_MAX_OBJECTS];
    int n = 0;

    (void)env;
    COUNT(FAKE_GET_LOADER_CLASSES);
    if (fw.on_list != NULL)
        fw.on_list(fw.on_list_arg);
    for (int i = 0; i < fw.n_loaded; i++)
        if (fw.loaded[i]->loader == OBJ(loader))
            mine[n++] = fw.loaded[i];
    return class_array(mine, n, count, classes);
}

static jvmtiError JNICALL get_class_status(jvmtiEnv *env, jclass klass, jint *status)
{
    (void)env;
    COUNT(FAKE_GET_CLASS_STATUS);
    *status = OBJ(klass)->status;
    return JVMTI_ERROR_NONE;
}

static jvmtiError JNICALL get_error_name(jvmtiEnv *env, jvmtiError err, char **name)
{
    (void)env;
    *name = strdup(err == JVMTI_ERROR_WRONG_PHASE      ? "JVMTI_ERROR_WRONG_PHASE"
                   : err == JVMTI_ERROR_INVALID_CLASS ? "JVMTI_ERROR_INVALID_CLASS"
                                                      : "JVMTI_ERROR_FAKE");
    return JVMTI_ERROR_NONE;
}

static struct jvmtiInterface_1_ jvmti_fns = {
    .GetTag = get_tag,
    .SetTag = set_tag,
    .GetClassLoader = get_class_loader,
    .IsModifiableClass = is_modifiable,
    .GetClassSignature = get_signature,
    .Deallocate = deallocate,
    .GetObjectHashCode = get_hash,
    .CreateRawMonitor = create_monitor,
    .RawMonitorEnter = monitor_enter,
    .RawMonitorExit = monitor_exit,
    .RawMonitorWait = monitor_wait,
    .RawMonitorNotifyAll = monitor_notify_all,
    .GetLoadedClasses = get_loaded_classes,
    .GetClassLoaderClasses = get_loader_classes,
    .GetClassStatus = get_class_status,
    .GetErrorName = get_error_name,
};
static const struct jvmtiInterface_1_ *jvmti_table = &jvmti_fns;
jvmtiEnv *fake_jvmti = (jvmtiEnv *)&jvmti_table;

/* ---- JNIEnv: references are the objects themselves ---- */

static jweak JNICALL new_weak(JNIEnv *env, jobject obj)
{
    (void)env;
    return (jweak)obj;
}

static void JNICALL delete_weak(JNIEnv *env, jweak ref)
{
    (void)env;
    (void)ref;
}

static jboolean JNICALL same_object(JNIEnv *env, jobject a, jobject b)
{
    (void)env;
    return a == b ? JNI_TRUE : JNI_FALSE;
}

static void JNICALL delete_local(JNIEnv *env, jobject obj)
{
    (void)env;
    (void)obj;
}

static jobject JNICALL new_local(JNIEnv *env, jobject ref)
{
    (void)env;
    return ref;
}

static jboolean JNICALL exception_check(JNIEnv *env)
{
    (void)env;
    return JNI_FALSE;
}

static void JNICALL exception_clear(JNIEnv *env)
{
    (void)env;
}

static jclass JNICALL get_object_class(JNIEnv *env, jobject obj)
{
    (void)env;
    return (jclass)OBJ(obj)->cls;
}

static jclass JNICALL get_superclass(JNIEnv *env, jclass sub)
{
    (void)env;
    return (jclass)OBJ(sub)->super;
}

static struct JNINativeInterface_ jni_fns = {
    .NewWeakGlobalRef = new_weak,
    .DeleteWeakGlobalRef = delete_weak,
    .IsSameObject = same_object,
    .DeleteLocalRef = delete_local,
    .NewLocalRef = new_local,
    .ExceptionCheck = exception_check,
    .ExceptionClear = exception_clear,
    .GetObjectClass = get_object_class,
    .GetSuperclass = get_superclass,
};
static const struct JNINativeInterface_ *jni_table = &jni_fns;
JNIEnv *fake_jni = (JNIEnv *)&jni_table;
