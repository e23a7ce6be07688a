/* Per-loader Metaspace bytes from HotSpot's own accounting, joined exactly to metaleak's
 * loaders (docs/metaspace.md).
 *
 * VM.metaspace show-loaders gives bytes per ClassLoaderData (CLD); VM.classloaders verbose gives
 * each loader's object address and its CLD. Both run through the DiagnosticCommand MBean on
 * this (the worker) thread. The object address of each of our loaders is read from a JNI local
 * reference, which on HotSpot points at a slot holding the object's address. Objects move only
 * in collections, and the commands themselves allocate (their output is a Java string), so a
 * young collection may run meanwhile: addresses are read before and after the two commands,
 * and only loaders whose address did not change are joined. Concurrent collectors (ZGC,
 * Shenandoah) relocate objects without pauses and with colored pointers; there the join is
 * refused and the report says so.
 *
 * Closed loaders that are not yet proven leaked are not touched: a local reference held during
 * a full collection would keep a dead loader alive and turn garbage into a false leak. */
#include "metaspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/log.h"
#include "metaleak/mspaceparse.h"
#include "metaleak/registry.h"
#include "mgmt.h"
#include "state.h"

#define ATTEMPTS 2
#define INTERVAL_MEASURE_MS (10 * 60 * 1000)
#define PRESSURE_CHECK_MS 100
#define FILL_HORIZON_MS 10000   /* filling at this rate would reach the limit this soon */

/* The DiagnosticCommand MBean, resolved on first use; worker thread only. */
struct dcmd {
    bool tried;
    jobject mbean_server;                   /* global refs */
    jobject name;
    jobject signature;                      /* String[] {"[Ljava.lang.String;"} */
    jobject args_stats;                     /* Object[] {String[0]} */
    jobject args_tree;                      /* Object[] {String[] {"verbose", "fold=false"}} */
    jmethodID invoke;
    char source[240];                       /* for the report */
    int64_t hidden_unjoined_bytes;          /* non-strong hidden-class CLDs, -1 unmeasured */
    int64_t reserved_bytes;                 /* Metaspace reserved, -1 unmeasured */
};

static struct dcmd dcmd;

/* The longer of the measurement's two VM operations, VM.classloaders, grows with the square of
 * the loaders (HotSpot searches its loader tree once per loader: 6 ms at 1 000 live loaders,
 * 156 at 10 000, up to 945 at 20 000, docs/performance.md). Its last time and loader count
 * predict the next; before any, n^2 / 640 000 ms. Worker thread only. */
static int64_t tree_ms = -1;
static uint32_t tree_loaders;

static int64_t predict_tree_ms(uint32_t loaders)
{
    double n = (double)loaders;

    if (tree_ms >= 0 && tree_loaders > 0)
        return (int64_t)((double)tree_ms * (n / tree_loaders) * (n / tree_loaders));
    return (int64_t)(n * n / 640000.0);
}

struct addr {
    struct ml_loader *loader;
    uint64_t oop;
};


static jobject global(JNIEnv *jni, jobject local)
{
    jobject g = local == NULL ? NULL : (*jni)->NewGlobalRef(jni, local);

    if (local != NULL)
        (*jni)->DeleteLocalRef(jni, local);
    return g;
}

/* A String[] with the given elements. */
static jobjectArray strings(JNIEnv *jni, jclass string_cls, const char *const *items, int n)
{
    jobjectArray arr = (*jni)->NewObjectArray(jni, n, string_cls, NULL);

    for (int i = 0; arr != NULL && i < n; i++) {
        jstring s = (*jni)->NewStringUTF(jni, items[i]);

        if (s == NULL)
            return NULL;
        (*jni)->SetObjectArrayElement(jni, arr, i, s);
        (*jni)->DeleteLocalRef(jni, s);
    }
    return arr;
}

/* An Object[] holding one String[]: the argument list of a DiagnosticCommand operation. */
static jobject op_args(JNIEnv *jni, jclass string_cls, jclass object_cls,
                       const char *const *items, int n)
{
    jobjectArray inner = strings(jni, string_cls, items, n);
    jobjectArray outer = inner == NULL ? NULL : (*jni)->NewObjectArray(jni, 1, object_cls, inner);

    if (inner != NULL)
        (*jni)->DeleteLocalRef(jni, inner);
    return outer;
}

/* Resolves the platform MBean server and the DiagnosticCommand MBean once. */
static bool init_dcmd(JNIEnv *jni, struct dcmd *m)
{
    static const char *const sig[] = {"[Ljava.lang.String;"};
    static const char *const tree[] = {"verbose", "fold=false"};
    static const char *const loaders[] = {"show-loaders", "scale=1"};
    jclass mf = NULL, on_cls = NULL, mbs_cls = NULL, string_cls = NULL, object_cls = NULL;
    jmethodID get_mbs, on_ctor;
    jstring name = NULL;
    bool ok = false;

    m->tried = true;
    m->hidden_unjoined_bytes = -1;
    m->reserved_bytes = -1;
    if ((*jni)->PushLocalFrame(jni, 32) != 0) {
        ml_jni_clear(jni);
        return false;
    }
    mf = (*jni)->FindClass(jni, "java/lang/management/ManagementFactory");
    on_cls = (*jni)->FindClass(jni, "javax/management/ObjectName");
    mbs_cls = (*jni)->FindClass(jni, "javax/management/MBeanServerConnection");
    string_cls = (*jni)->FindClass(jni, "java/lang/String");
    object_cls = (*jni)->FindClass(jni, "java/lang/Object");
    if (ml_jni_clear(jni) || mf == NULL || on_cls == NULL || mbs_cls == NULL || string_cls == NULL ||
        object_cls == NULL)
        goto done;
    get_mbs = (*jni)->GetStaticMethodID(jni, mf, "getPlatformMBeanServer",
                                        "()Ljavax/management/MBeanServer;");
    on_ctor = (*jni)->GetMethodID(jni, on_cls, "<init>", "(Ljava/lang/String;)V");
    m->invoke = (*jni)->GetMethodID(
        jni, mbs_cls, "invoke",
        "(Ljavax/management/ObjectName;Ljava/lang/String;[Ljava/lang/Object;[Ljava/lang/String;)"
        "Ljava/lang/Object;");
    if (ml_jni_clear(jni) || get_mbs == NULL || on_ctor == NULL || m->invoke == NULL)
        goto done;
    m->mbean_server = global(jni, (*jni)->CallStaticObjectMethod(jni, mf, get_mbs));
    name = (*jni)->NewStringUTF(jni, "com.sun.management:type=DiagnosticCommand");
    if (ml_jni_clear(jni) || m->mbean_server == NULL || name == NULL)
        goto done;
    m->name = global(jni, (*jni)->NewObject(jni, on_cls, on_ctor, name));
    m->signature = global(jni, strings(jni, string_cls, sig, 1));
    m->args_stats = global(jni, op_args(jni, string_cls, object_cls, loaders, 2));
    m->args_tree = global(jni, op_args(jni, string_cls, object_cls, tree, 2));
    ok = !ml_jni_clear(jni) && m->name != NULL && m->signature != NULL &&
         m->args_stats != NULL && m->args_tree != NULL;
done:
    ml_jni_clear(jni);
    (*jni)->PopLocalFrame(jni, NULL);
    return ok;
}

/* Runs one DiagnosticCommand operation; returns its text (malloc'd) or NULL. */
static char *run_dcmd(JNIEnv *jni, const struct dcmd *m, const char *op, jobject args)
{
    jstring op_name = (*jni)->NewStringUTF(jni, op);
    jobject result;
    char *text = NULL;

    if (op_name == NULL) {
        ml_jni_clear(jni);
        return NULL;
    }
    result = (*jni)->CallObjectMethod(jni, m->mbean_server, m->invoke, m->name, op_name,
                                      args, m->signature);
    (*jni)->DeleteLocalRef(jni, op_name);
    if (ml_jni_clear(jni) || result == NULL)
        return NULL;
    text = ml_jni_strdup(jni, (jstring)result);
    (*jni)->DeleteLocalRef(jni, result);
    return text;
}

/* Reads the current address of every loader we may touch. Returns the count, or -1. */
static long read_addresses(JNIEnv *jni, struct addr *out, size_t cap)
{
    struct ml_registry *reg = ml_reg();
    size_t n = 0;

    if (!ml_reg_lock())
        return -1;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && n < cap;
         l = ml_registry_next(reg, l)) {
        jobject local;

        if (l->id == 0) {
            out[n].loader = l;
            out[n++].oop = 0;
            continue;
        }
        if (l->handle == NULL || l->verdict.state == ML_STATE_CLOSED ||
            l->verdict.state == ML_STATE_UNLOADED)
            continue;
        local = (*jni)->NewLocalRef(jni, (jweak)l->handle);
        if (local == NULL)
            continue;
        /* HotSpot: a local reference is the address of a slot that holds the oop. */
        out[n].loader = l;
        out[n++].oop = (uint64_t)(*(uintptr_t *)(void *)local);
        (*jni)->DeleteLocalRef(jni, local);
    }
    ml_reg_unlock();
    return (long)n;
}

static void set_source(struct dcmd *m, const char *text)
{
    snprintf(m->source, sizeof(m->source), "%s", text);
}

void ml_metaspace_prepare(JNIEnv *jni)
{
    struct dcmd *m = &dcmd;

    if (ml_mgmt_concurrent() || m->tried)
        return;
    if (!init_dcmd(jni, m) || m->mbean_server == NULL || m->name == NULL)
        return; /* ml_metaspace_measure says why, when a report needs the bytes */
    /* The hierarchy command with its arguments: the same MBean invoke, argument and String
     * result handling as the measurement, one short safepoint at a few hundred loaders. */
    free(run_dcmd(jni, m, "vmClassloaders", m->args_tree));
}

/* Fills metaspace_bytes of every loader from HotSpot's per-loader accounting, joined exactly
 * by loader address; sets the source. */
static void measure(JNIEnv *jni)
{
    struct dcmd *m = &dcmd;
    struct ml_registry *reg = ml_reg();
    struct ml_registry_stats st;
    struct ml_mspace_table table = {0};
    struct addr *addrs = NULL, *again = NULL;
    char *stats = NULL, *tree = NULL;
    long n = -1, n2 = -1, stable = 0;
    bool joined = false;

    if (ml_mgmt_concurrent()) {
        set_source(m, "unavailable: the collector moves objects concurrently, so loaders "
                      "cannot be joined to HotSpot's per-loader numbers");
        return;
    }
    if (!m->tried && !init_dcmd(jni, m))
        ml_log(ML_LOG_INFO, "the DiagnosticCommand MBean is not usable: no per-loader "
                            "Metaspace bytes");
    if (m->mbean_server == NULL || m->name == NULL) {
        set_source(m, "unavailable: DiagnosticCommand MBean not usable in this JVM");
        return;
    }
    ml_registry_stats(reg, &st);
    addrs = malloc((st.in_use + 1) * sizeof(*addrs));
    again = malloc((st.in_use + 1) * sizeof(*again));
    if (addrs == NULL || again == NULL) {
        set_source(m, "unavailable: out of memory");
        return;
    }
    for (int attempt = 0; attempt < ATTEMPTS && !joined; attempt++) {
        free(stats);
        free(tree);
        stats = tree = NULL;
        n = read_addresses(jni, addrs, st.in_use + 1);
        int64_t t0 = ml_clock_ms();

        tree = run_dcmd(jni, m, "vmClassloaders", m->args_tree);
        if (tree != NULL) {
            tree_ms = ml_clock_ms() - t0;
            tree_loaders = st.in_use;
        }
        stats = run_dcmd(jni, m, "vmMetaspace", m->args_stats);
        n2 = read_addresses(jni, again, st.in_use + 1);
        /* A loader whose address is the same before and after was at that address when the
         * commands ran. Both reads walk the registry in slot order. */
        stable = 0;
        for (long i = 0, j = 0; n >= 0 && i < n; i++) {
            while (j < n2 && again[j].loader->slot < addrs[i].loader->slot)
                j++;
            if (j < n2 && again[j].loader == addrs[i].loader && again[j].oop == addrs[i].oop)
                addrs[stable++] = addrs[i];
        }
        joined = n >= 0 && tree != NULL && stats != NULL && stable * 2 >= n;
    }
    if (!joined) {
        set_source(m, tree == NULL || stats == NULL
                          ? "unavailable: VM.classloaders / VM.metaspace failed"
                          : "unavailable: collections kept moving loaders during the join");
        goto cleanup;
    }
    n = stable;
    if (ml_mspace_parse_metaspace(stats, &table) != 0 || ml_mspace_parse_tree(tree, &table) != 0) {
        set_source(m, "unavailable: unexpected VM.classloaders / VM.metaspace output");
        goto cleanup;
    }
    if (!ml_reg_lock())
        goto cleanup;
    for (long i = 0; i < n; i++) {
        struct ml_loader *l = addrs[i].loader;
        const struct ml_mspace_entry *e = ml_mspace_find_oop(&table, addrs[i].oop);

        /* The record may have been unloaded meanwhile; its old numbers stay. */
        if (atomic_load(&l->gen) == 0 || l->verdict.state == ML_STATE_UNLOADED)
            continue;
        if (e == NULL) {
            /* No CLD: the loader holds no Metaspace (a wrapper, a parent with no class). */
            l->metaspace_bytes = atomic_load(&l->classes_defined) == 0 ? 0 : -1;
            continue;
        }
        l->metaspace_bytes = (int64_t)e->used_bytes;
    }
    ml_reg_unlock();
    m->hidden_unjoined_bytes = (int64_t)table.hidden_used_bytes;
    m->reserved_bytes = table.reserved_bytes;
    set_source(m, "hotspot: VM.metaspace show-loaders joined by loader address (used bytes)");
cleanup:
    ml_mspace_free(&table);
    free(stats);
    free(tree);
    free(addrs);
    free(again);
}

/* True when some loader is leaked (registry lock taken). */
static bool any_leak(void)
{
    struct ml_registry *reg = ml_reg();
    bool leak = false;

    if (!ml_reg_lock())
        return false;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && !leak;
         l = ml_registry_next(reg, l))
        leak = l->verdict.leaked;
    ml_reg_unlock();
    return leak;
}

/* Per-loader Metaspace costs two safepoints (about 0.2 s at 10 000 loaders) and, the first
 * time, the platform MBean server (about 0.15 s and 500 classes). So only when it is needed:
 * asked for, a leaked loader to weigh, or Metaspace under pressure (the measurement was
 * prepared at half the limit); and for periodic reports at most every 10 minutes. */
void ml_metaspace_measure_if_due(JNIEnv *jni, bool periodic, bool asked, bool at_exit)
{
    static int64_t last_ms = -1;
    int64_t now = ml_clock_ms();
    unsigned cap = ml_opts()->max_pause_ms;

    if (!dcmd.tried && !asked && !any_leak()) {
        set_source(&dcmd, "not measured: no leak, no request, and Metaspace below half its "
                          "limit");
        return;
    }
    if (!asked && !at_exit) {
        struct ml_registry_stats st;
        int64_t predicted;

        ml_registry_stats(ml_reg(), &st);
        predicted = predict_tree_ms(st.in_use);
        if (cap == 0 || predicted > (int64_t)cap) {
            char why[200];

            snprintf(why, sizeof(why),
                     "not measured: VM.classloaders would stop the JVM for about %lld ms at %u "
                     "loaders, more than max_pause (%u ms); it runs when asked for and at exit",
                     (long long)predicted, st.in_use, cap);
            set_source(&dcmd, why);
            return;
        }
    }
    if (periodic && last_ms >= 0 && now - last_ms < INTERVAL_MEASURE_MS)
        return;
    last_ms = now;
    measure(jni);
}

void ml_metaspace_prepare_if_under_pressure(JNIEnv *jni)
{
    static int64_t checked_ms = -1, last_committed = -1;
    static bool unlimited;
    int64_t used, committed, max, now = ml_clock_ms();
    bool pressure;

    /* A call into Java (the pool's usage): never without a limit (the limit is fixed at start),
     * else at most every PRESSURE_CHECK_MS. Pressure: half the limit committed, or committed
     * growing so fast since the last check that it would reach the limit within
     * FILL_HORIZON_MS (a test filling 24 MB in under two seconds, a job loading its classes).
     * The report at an OOM then finds the measurement prepared. */
    if (dcmd.tried || unlimited || (checked_ms >= 0 && now - checked_ms < PRESSURE_CHECK_MS))
        return;
    ml_mgmt_metaspace(jni, &used, &committed, &max);
    if (max < 0 && used >= 0)
        unlimited = true;
    pressure = max > 0 && committed * 2 >= max;
    if (!pressure && max > 0 && committed > last_committed && last_committed >= 0 &&
        now > checked_ms) {
        double per_ms = (double)(committed - last_committed) / (double)(now - checked_ms);

        pressure = (double)(max - committed) <= per_ms * FILL_HORIZON_MS;
    }
    checked_ms = now;
    last_committed = committed;
    if (pressure)
        ml_metaspace_prepare(jni);
}

bool ml_metaspace_prepared(void)
{
    return dcmd.tried;
}

void ml_metaspace_facts(struct ml_metaspace_facts *out)
{
    out->source = dcmd.source[0] ? dcmd.source : NULL;
    out->hidden_class_bytes = dcmd.tried ? dcmd.hidden_unjoined_bytes : -1;
    out->reserved_bytes = dcmd.tried ? dcmd.reserved_bytes : -1;
}

size_t ml_metaspace_own_globals(jobject *out, size_t cap)
{
    jobject refs[] = {dcmd.mbean_server, dcmd.name, dcmd.signature, dcmd.args_stats,
                      dcmd.args_tree};
    size_t n = 0;

    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]) && n < cap; i++)
        if (refs[i] != NULL)
            out[n++] = refs[i];
    return n;
}
