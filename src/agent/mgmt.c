/* The JVM's own accounting through java.lang.management, on the worker thread: which
 * collections are full ones (GarbageCollectorMXBean names, see gcinfo.h) and how much
 * Metaspace is used. Everything is resolved once at start, and read once before any
 * Metaspace shortage, so that reading it at a Metaspace OOM loads no class. */
#include "mgmt.h"

#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"
#include "jniutil.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/gcinfo.h"
#include "metaleak/log.h"

/* Resolved by ml_mgmt_init; worker thread only. */
struct ml_mgmt {
    bool ready;
    jobject full_beans[ML_MGMT_MAX_BEANS];  /* global refs to full-collection GC beans */
    size_t n_full;
    bool concurrent;                        /* the full collector is concurrent */
    char *collector_names[ML_MGMT_MAX_BEANS];
    size_t n_collectors;
    char *full_names[ML_MGMT_MAX_BEANS];
    jmethodID gc_count;                     /* GarbageCollectorMXBean.getCollectionCount */
    jobject metaspace_pool;                 /* global ref, NULL if not found */
    jobject class_space_pool;               /* "Compressed Class Space", NULL if absent */
    bool perm_gen;                          /* a "Perm Gen" pool: Java 7 or older */
    jmethodID pool_usage;                   /* MemoryPoolMXBean.getUsage */
    jmethodID usage_used, usage_committed, usage_max;
    jobject memory_bean;                    /* MemoryMXBean, global ref, NULL if absent */
    jmethodID pending_finalization;         /* getObjectPendingFinalizationCount */
    char *java_version;
    char *vm_name;
};

static struct ml_mgmt mgmt;

/* Calls a static ()Ljava/util/List; method of ManagementFactory. */
static jobject factory_list(JNIEnv *jni, jclass mf, const char *method)
{
    jmethodID m = (*jni)->GetStaticMethodID(jni, mf, method, "()Ljava/util/List;");
    jobject list;

    if (m == NULL) {
        ml_jni_clear(jni);
        return NULL;
    }
    list = (*jni)->CallStaticObjectMethod(jni, mf, m);
    if (ml_jni_clear(jni))
        return NULL;
    return list;
}

static int init_collectors(JNIEnv *jni, struct ml_mgmt *m, jclass mf, jmethodID size,
                           jmethodID get, jmethodID get_name)
{
    jobject list = factory_list(jni, mf, "getGarbageCollectorMXBeans");
    jint n;

    if (list == NULL)
        return ML_ERR_JVM;
    n = (*jni)->CallIntMethod(jni, list, size);
    if (ml_jni_clear(jni))
        return ML_ERR_JVM;
    for (jint i = 0; i < n && m->n_collectors < ML_MGMT_MAX_BEANS; i++) {
        jobject bean = (*jni)->CallObjectMethod(jni, list, get, i);
        jstring name;
        char *cname;
        enum ml_gc_kind kind;

        if (ml_jni_clear(jni) || bean == NULL)
            return ML_ERR_JVM;
        name = (*jni)->CallObjectMethod(jni, bean, get_name);
        if (ml_jni_clear(jni))
            return ML_ERR_JVM;
        cname = ml_jni_strdup(jni, name);
        if (cname == NULL)
            return ML_ERR_NOMEM;
        m->collector_names[m->n_collectors++] = cname;
        kind = ml_gc_classify(cname);
        if (kind != ML_GC_OTHER && m->n_full < ML_MGMT_MAX_BEANS) {
            m->full_names[m->n_full] = cname;
            m->full_beans[m->n_full] = (*jni)->NewGlobalRef(jni, bean);
            if (m->full_beans[m->n_full] == NULL)
                return ML_ERR_NOMEM;
            m->n_full++;
            if (kind == ML_GC_FULL_CONCURRENT)
                m->concurrent = true;
        }
    }
    return ML_OK;
}

static int init_metaspace(JNIEnv *jni, struct ml_mgmt *m, jclass mf, jmethodID size,
                          jmethodID get, jmethodID get_name)
{
    jobject list = factory_list(jni, mf, "getMemoryPoolMXBeans");
    jclass pool_cls = (*jni)->FindClass(jni, "java/lang/management/MemoryPoolMXBean");
    jclass usage_cls = (*jni)->FindClass(jni, "java/lang/management/MemoryUsage");
    jint n;

    if (list == NULL || pool_cls == NULL || usage_cls == NULL) {
        ml_jni_clear(jni);
        return ML_ERR_JVM;
    }
    m->pool_usage = (*jni)->GetMethodID(jni, pool_cls, "getUsage",
                                        "()Ljava/lang/management/MemoryUsage;");
    m->usage_used = (*jni)->GetMethodID(jni, usage_cls, "getUsed", "()J");
    m->usage_committed = (*jni)->GetMethodID(jni, usage_cls, "getCommitted", "()J");
    m->usage_max = (*jni)->GetMethodID(jni, usage_cls, "getMax", "()J");
    if (ml_jni_clear(jni) || m->pool_usage == NULL || m->usage_used == NULL ||
        m->usage_committed == NULL || m->usage_max == NULL)
        return ML_ERR_JVM;
    n = (*jni)->CallIntMethod(jni, list, size);
    if (ml_jni_clear(jni))
        return ML_ERR_JVM;
    for (jint i = 0; i < n; i++) {
        jobject pool = (*jni)->CallObjectMethod(jni, list, get, i);
        jstring name;
        char *cname;

        if (ml_jni_clear(jni) || pool == NULL)
            return ML_ERR_JVM;
        name = (*jni)->CallObjectMethod(jni, pool, get_name);
        if (ml_jni_clear(jni))
            return ML_ERR_JVM;
        cname = ml_jni_strdup(jni, name);
        if (cname != NULL && strcmp(cname, "Metaspace") == 0)
            m->metaspace_pool = (*jni)->NewGlobalRef(jni, pool);
        else if (cname != NULL && strcmp(cname, "Compressed Class Space") == 0)
            m->class_space_pool = (*jni)->NewGlobalRef(jni, pool);
        else if (cname != NULL && strstr(cname, "Perm Gen") != NULL)
            m->perm_gen = true;
        free(cname);
        (*jni)->DeleteLocalRef(jni, name);
        (*jni)->DeleteLocalRef(jni, pool);
    }
    return ML_OK;
}

/* Reads a HotSpot flag through HotSpotDiagnosticMXBean.getVMOption; NULL when unknown. */
static char *vm_option(JNIEnv *jni, const char *name)
{
    jclass mf = (*jni)->FindClass(jni, "java/lang/management/ManagementFactory");
    jclass hs = (*jni)->FindClass(jni, "com/sun/management/HotSpotDiagnosticMXBean");
    jclass opt_cls = (*jni)->FindClass(jni, "com/sun/management/VMOption");
    jmethodID get_bean, get_option, get_value;
    jobject bean, option;
    jstring jname, value;
    char *result = NULL;

    if (ml_jni_clear(jni) || mf == NULL || hs == NULL || opt_cls == NULL)
        return NULL;
    get_bean = (*jni)->GetStaticMethodID(jni, mf, "getPlatformMXBean",
                                         "(Ljava/lang/Class;)Ljava/lang/management/PlatformManagedObject;");
    get_option = (*jni)->GetMethodID(jni, hs, "getVMOption",
                                     "(Ljava/lang/String;)Lcom/sun/management/VMOption;");
    get_value = (*jni)->GetMethodID(jni, opt_cls, "getValue", "()Ljava/lang/String;");
    if (ml_jni_clear(jni) || get_bean == NULL || get_option == NULL || get_value == NULL)
        return NULL;
    bean = (*jni)->CallStaticObjectMethod(jni, mf, get_bean, hs);
    jname = (*jni)->NewStringUTF(jni, name);
    if (ml_jni_clear(jni) || bean == NULL || jname == NULL)
        return NULL;
    option = (*jni)->CallObjectMethod(jni, bean, get_option, jname);
    if (ml_jni_clear(jni) || option == NULL)
        return NULL; /* IllegalArgumentException: this JVM has no such flag */
    value = (*jni)->CallObjectMethod(jni, option, get_value);
    if (!ml_jni_clear(jni))
        result = ml_jni_strdup(jni, value);
    return result;
}

/* Full collections prove nothing when classes cannot unload (-XX:-ClassUnloading), or when
 * the "full" bean also counts young cycles (generational Shenandoah, JDK 25). Then no
 * collection counts: closed loaders stay closed, never falsely leaked. */
static void check_unloading(JNIEnv *jni, struct ml_mgmt *m)
{
    char *unloading = vm_option(jni, "ClassUnloading");
    char *mode = m->n_full > 0 ? vm_option(jni, "ShenandoahGCMode") : NULL;
    const char *why = NULL;

    if (unloading != NULL && strcmp(unloading, "false") == 0)
        why = "-XX:-ClassUnloading: no class loader can ever be unloaded";
    else if (mode != NULL && strcmp(mode, "generational") == 0 &&
             strncmp(m->full_names[0], "Shenandoah", 10) == 0)
        why = "generational Shenandoah: its cycle count includes young cycles, which unload no "
              "class";
    if (why != NULL) {
        for (size_t i = 0; i < m->n_full; i++)
            (*jni)->DeleteGlobalRef(jni, m->full_beans[i]);
        m->n_full = 0;
        m->concurrent = false;
        ml_log(ML_LOG_INFO, "%s; closed loaders are reported but never proven leaked by a "
                            "collection (see docs/gc.md)",
               why);
    }
    free(unloading);
    free(mode);
}

static void init_versions(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_mgmt *m)
{
    jclass sys = (*jni)->FindClass(jni, "java/lang/System");
    jmethodID get = sys == NULL ? NULL
                                : (*jni)->GetStaticMethodID(jni, sys, "getProperty",
                                                            "(Ljava/lang/String;)Ljava/lang/String;");
    char *vm_name = NULL;

    if (get != NULL) {
        jstring key = (*jni)->NewStringUTF(jni, "java.version");
        jstring v = key == NULL ? NULL : (*jni)->CallStaticObjectMethod(jni, sys, get, key);

        if (!ml_jni_clear(jni))
            m->java_version = ml_jni_strdup(jni, v);
    }
    ml_jni_clear(jni);
    if (ml_jvmti_ok((*jvmti)->GetSystemProperty(jvmti, "java.vm.name", &vm_name),
                    ML_ON_ERROR_SKIP, "GetSystemProperty(java.vm.name)") &&
        vm_name != NULL) {
        m->vm_name = strdup(vm_name);
        ml_jvmti_free(jvmti, vm_name);
    }
}

int ml_mgmt_init(jvmtiEnv *jvmti, JNIEnv *jni)
{
    struct ml_mgmt *m = &mgmt;
    jclass mf, list_cls, mm_cls, gc_cls;
    jmethodID size, get, get_name, pool_name;
    int rc = ML_ERR_JVM;

    if ((*jni)->PushLocalFrame(jni, 256) != 0) {
        ml_jni_clear(jni);
        return ML_ERR_NOMEM;
    }
    mf = (*jni)->FindClass(jni, "java/lang/management/ManagementFactory");
    list_cls = (*jni)->FindClass(jni, "java/util/List");
    mm_cls = (*jni)->FindClass(jni, "java/lang/management/MemoryManagerMXBean");
    gc_cls = (*jni)->FindClass(jni, "java/lang/management/GarbageCollectorMXBean");
    if (mf == NULL || list_cls == NULL || mm_cls == NULL || gc_cls == NULL) {
        ml_jni_clear(jni);
        ml_log_error("java.lang.management is not available in this JVM");
        goto cleanup;
    }
    size = (*jni)->GetMethodID(jni, list_cls, "size", "()I");
    get = (*jni)->GetMethodID(jni, list_cls, "get", "(I)Ljava/lang/Object;");
    get_name = (*jni)->GetMethodID(jni, mm_cls, "getName", "()Ljava/lang/String;");
    m->gc_count = (*jni)->GetMethodID(jni, gc_cls, "getCollectionCount", "()J");
    if (ml_jni_clear(jni) || size == NULL || get == NULL || get_name == NULL || m->gc_count == NULL)
        goto cleanup;
    rc = init_collectors(jni, m, mf, size, get, get_name);
    if (rc != ML_OK)
        goto cleanup;
    check_unloading(jni, m);
    {
        jclass pool_cls = (*jni)->FindClass(jni, "java/lang/management/MemoryPoolMXBean");

        pool_name = pool_cls == NULL ? NULL
                                     : (*jni)->GetMethodID(jni, pool_cls, "getName",
                                                           "()Ljava/lang/String;");
        if (ml_jni_clear(jni) || pool_name == NULL) {
            rc = ML_ERR_JVM;
            goto cleanup;
        }
    }
    if (init_metaspace(jni, m, mf, size, get, pool_name) != ML_OK)
        ml_log(ML_LOG_DEBUG, "Metaspace pool not readable; metaspace fields will be null");
    if (m->perm_gen && m->metaspace_pool == NULL) {
        ml_log_error("this JVM keeps classes in PermGen (Java 7 or older): metaleak needs "
                     "Java 8 or newer");
        rc = ML_ERR_JVM;
        goto cleanup;
    }
    init_versions(jvmti, jni, m);
    {
        jclass mem_cls = (*jni)->FindClass(jni, "java/lang/management/MemoryMXBean");
        jmethodID get_mem = (*jni)->GetStaticMethodID(jni, mf, "getMemoryMXBean",
                                                      "()Ljava/lang/management/MemoryMXBean;");

        if (!ml_jni_clear(jni) && mem_cls != NULL && get_mem != NULL) {
            jobject bean = (*jni)->CallStaticObjectMethod(jni, mf, get_mem);

            m->pending_finalization = (*jni)->GetMethodID(
                jni, mem_cls, "getObjectPendingFinalizationCount", "()I");
            if (!ml_jni_clear(jni) && bean != NULL && m->pending_finalization != NULL)
                m->memory_bean = (*jni)->NewGlobalRef(jni, bean);
        }
        ml_jni_clear(jni);
    }
    m->ready = true;
    if (m->n_full == 0 && m->n_collectors > 0 && strcmp(m->collector_names[0], "") != 0)
        ml_log(ML_LOG_DEBUG, "no collection counts as a full collection here (see docs/gc.md)");
    rc = ML_OK;
cleanup:
    (*jni)->PopLocalFrame(jni, NULL);
    return rc;
}

/* The last count read, when, and whether a collection finished since (worker only). The count
 * is also read again after FULL_MAX_AGE_MS, in case a bean counts a collection only after the
 * JVMTI event that announced it. */
#define FULL_MAX_AGE_MS 1000
static uint64_t full_cached;
static int64_t full_read_ms = -1;
static bool full_stale = true;

uint64_t ml_mgmt_full_gcs(JNIEnv *jni)
{
    const struct ml_mgmt *m = &mgmt;
    uint64_t total = 0;

    for (size_t i = 0; i < m->n_full; i++) {
        jlong c = (*jni)->CallLongMethod(jni, m->full_beans[i], m->gc_count);

        if (ml_jni_clear(jni))
            continue;
        if (c > 0)
            total += (uint64_t)c;
    }
    full_cached = total;
    full_stale = false;
    full_read_ms = ml_clock_ms();
    return total;
}

void ml_mgmt_note_gc(void)
{
    full_stale = true;
}

uint64_t ml_mgmt_full_gcs_cached(JNIEnv *jni)
{
    if (full_stale || ml_clock_ms() - full_read_ms >= FULL_MAX_AGE_MS)
        return ml_mgmt_full_gcs(jni);
    return full_cached;
}

static void pool_usage(JNIEnv *jni, const struct ml_mgmt *m, jobject pool, int64_t *used,
                       int64_t *committed, int64_t *max)
{
    jobject usage;

    *used = *committed = *max = -1;
    if (!m->ready || pool == NULL)
        return;
    usage = (*jni)->CallObjectMethod(jni, pool, m->pool_usage);
    if (ml_jni_clear(jni) || usage == NULL)
        return;
    *used = (*jni)->CallLongMethod(jni, usage, m->usage_used);
    if (!ml_jni_clear(jni))
        *committed = (*jni)->CallLongMethod(jni, usage, m->usage_committed);
    if (!ml_jni_clear(jni))
        *max = (*jni)->CallLongMethod(jni, usage, m->usage_max);
    ml_jni_clear(jni);
    (*jni)->DeleteLocalRef(jni, usage);
}

long ml_mgmt_pending_finalization(JNIEnv *jni)
{
    const struct ml_mgmt *m = &mgmt;
    jint n;

    if (m->memory_bean == NULL)
        return -1;
    n = (*jni)->CallIntMethod(jni, m->memory_bean, m->pending_finalization);
    return ml_jni_clear(jni) ? -1 : (long)n;
}

void ml_mgmt_metaspace(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max)
{
    pool_usage(jni, &mgmt, mgmt.metaspace_pool, used, committed, max);
}

void ml_mgmt_class_space(JNIEnv *jni, int64_t *used, int64_t *committed, int64_t *max)
{
    pool_usage(jni, &mgmt, mgmt.class_space_pool, used, committed, max);
}

bool ml_mgmt_ready(void)
{
    return mgmt.ready;
}

bool ml_mgmt_concurrent(void)
{
    return mgmt.concurrent;
}

bool ml_mgmt_has_full(void)
{
    return mgmt.n_full > 0;
}

void ml_mgmt_facts(struct ml_mgmt_facts *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < mgmt.n_collectors; i++)
        out->collectors[out->n_collectors++] = mgmt.collector_names[i];
    for (size_t i = 0; i < mgmt.n_full; i++)
        out->full[out->n_full++] = mgmt.full_names[i];
    out->concurrent = mgmt.concurrent;
    out->java_version = mgmt.java_version;
    out->vm_name = mgmt.vm_name;
}

size_t ml_mgmt_own_globals(jobject *out, size_t cap)
{
    jobject pools[] = {mgmt.metaspace_pool, mgmt.class_space_pool, mgmt.memory_bean};
    size_t n = 0;

    for (size_t i = 0; i < mgmt.n_full && n < cap; i++)
        out[n++] = mgmt.full_beans[i];
    for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]) && n < cap; i++)
        if (pools[i] != NULL)
            out[n++] = pools[i];
    return n;
}

bool ml_mgmt_platform_server_exists(JNIEnv *jni)
{
    jclass mf = (*jni)->FindClass(jni, "java/lang/management/ManagementFactory");
    jfieldID f = mf == NULL ? NULL
                            : (*jni)->GetStaticFieldID(jni, mf, "platformMBeanServer",
                                                       "Ljavax/management/MBeanServer;");
    jobject server = f == NULL ? NULL : (*jni)->GetStaticObjectField(jni, mf, f);
    bool exists = server != NULL;

    ml_jni_clear(jni); /* no such field in this JDK: taken as absent */
    if (server != NULL)
        (*jni)->DeleteLocalRef(jni, server);
    if (mf != NULL)
        (*jni)->DeleteLocalRef(jni, mf);
    return exists;
}
