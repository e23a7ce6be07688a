/* The class scan: feeds every loaded class to the inventory (inventory.h) before a report, so
 * that the report names shadowed classes, counts lambdas and proxies per loader, and marks
 * suspect loaders. It runs on the worker thread, without stopping the world (GetLoadedClasses,
 * GetClassSignature, GetClassLoader), and only when the set of classes or loaders changed
 * since the last scan. Memory: 24 bytes per class while it runs, nothing afterwards but the
 * per-loader results (at most ML_SHADOW_EXAMPLES names per loader). */
#include "classscan.h"

#include <stdlib.h>
#include <string.h>

#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/inventory.h"
#include "metaleak/jnames.h"
#include "metaleak/log.h"
#include "metaleak/registry.h"
#include "state.h"
#include "tracking.h"

#define MAX_CANDIDATES 4096      /* shadowings examined per scan; the rest are counted */

static uint64_t last_fingerprint = UINT64_MAX;

/* Changes whenever a class is defined or a loader comes or goes. */
static uint64_t fingerprint(void)
{
    struct ml_registry *reg = ml_reg();
    struct ml_registry_stats st;
    uint64_t f = 0;

    ml_registry_stats(reg, &st);
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        f += atomic_load(&l->classes_defined) * 31u + (uint64_t)l->verdict.state + l->id * 7u;
    return f ^ ((uint64_t)st.in_use << 40);
}

/* Adds one confirmed shadowing to the child loader's record. */
static void add_shadow(JNIEnv *jni, jvmtiEnv *jvmti, struct ml_loader *l, const char *name,
                       uint64_t ancestor_id, jclass child, jclass ancestor)
{
    struct ml_shadow_example *e;

    l->shadowed++;
    if (l->n_shadow_examples >= ML_SHADOW_EXAMPLES)
        return;
    if (l->shadow_examples == NULL) {
        l->shadow_examples = calloc(ML_SHADOW_EXAMPLES, sizeof(*l->shadow_examples));
        if (l->shadow_examples == NULL)
            return;
    }
    e = &l->shadow_examples[l->n_shadow_examples];
    e->class_name = strdup(name);
    if (e->class_name == NULL)
        return;
    e->ancestor_id = ancestor_id;
    e->jar = ml_jni_class_location(jni, child);
    e->ancestor_jar = ml_jni_class_location(jni, ancestor);
    l->n_shadow_examples++;
    (void)jvmti;
}

/* The Java name of a non-array class into name; false for arrays, primitives, failures. */
static bool java_name(jvmtiEnv *jvmti, jclass cls, char *name, size_t len)
{
    jint status = 0;
    char *sig = NULL;
    bool ok;

    /* A class unloaded meanwhile is skipped. */
    if (!ml_jvmti_ok((*jvmti)->GetClassStatus(jvmti, cls, &status), ML_ON_ERROR_SKIP,
                     "GetClassStatus") ||
        (status & (JVMTI_CLASS_STATUS_ARRAY | JVMTI_CLASS_STATUS_PRIMITIVE)) != 0 ||
        !ml_jvmti_ok((*jvmti)->GetClassSignature(jvmti, cls, &sig, NULL), ML_ON_ERROR_SKIP,
                     "GetClassSignature"))
        return false;
    ok = ml_sig_to_name(sig, name, len) && name[0] != '\0';
    ml_jvmti_free(jvmti, sig);
    return ok;
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* One class kept for naming a shadowing: a local reference, its name hash and loader. */
struct kept {
    jclass cls;
    uint64_t hash, loader_id;
    char *name;
};

/* Pass 1 reads every class and keeps no reference to any: a class scan must never keep a
 * closed loader alive across a collection (that would look like a leak). */
static size_t read_classes(JNIEnv *jni, struct ml_inv_class *inv, size_t cap)
{
    jvmtiEnv *jvmti = ml_jvmti();
    jclass *classes = NULL;
    jint n = 0;
    size_t k = 0;

    if (!ml_jvmti_ok((*jvmti)->GetLoadedClasses(jvmti, &n, &classes), ML_ON_ERROR_DEBUG,
                     "class scan: GetLoadedClasses"))
        return 0;
    for (jint i = 0; i < n; i++) {
        char name[1024];
        struct ml_loader *l;

        if (k < cap && java_name(jvmti, classes[i], name, sizeof(name))) {
            l = ml_track_defining_loader(jvmti, jni, classes[i]);
            if (l != NULL) {
                if (ml_inv_is_lambda(name))
                    l->lambdas++;
                else if (ml_inv_is_proxy(name))
                    l->proxies++;
            }
            inv[k].name_hash = ml_inv_hash(name);
            inv[k].loader_id = l != NULL ? l->id : ML_ID_NONE;
            inv[k].index = (uint32_t)k;
            k++;
        }
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    ml_jvmti_free(jvmti, classes);
    return k;
}

/* Pass 2 reads the classes again and keeps only those whose (hash, loader) is in a candidate
 * shadowing, then records the confirmed ones (names compared, jars looked up) and lets every
 * reference go. */
static void record_shadows(JNIEnv *jni, const struct ml_inv_shadow *cands, size_t n_cands)
{
    jvmtiEnv *jvmti = ml_jvmti();
    uint64_t *hashes = malloc((n_cands * 2 + 1) * sizeof(*hashes));
    struct kept *kept = calloc(n_cands * 2 + 1, sizeof(*kept));
    size_t n_hashes = 0, n_kept = 0;
    jclass *classes = NULL;
    jint n = 0;

    if (hashes == NULL || kept == NULL)
        goto cleanup;
    for (size_t k = 0; k < n_cands; k++)
        hashes[n_hashes++] = cands[k].name_hash;
    qsort(hashes, n_hashes, sizeof(*hashes), by_u64);
    if (!ml_jvmti_ok((*jvmti)->GetLoadedClasses(jvmti, &n, &classes), ML_ON_ERROR_DEBUG,
                     "class scan: GetLoadedClasses"))
        goto cleanup;
    for (jint i = 0; i < n; i++) {
        char name[1024];
        uint64_t h = 0;
        struct ml_loader *l = NULL;

        if (n_kept < n_cands * 2 && java_name(jvmti, classes[i], name, sizeof(name))) {
            h = ml_inv_hash(name);
            if (bsearch(&h, hashes, n_hashes, sizeof(*hashes), by_u64) != NULL)
                l = ml_track_defining_loader(jvmti, jni, classes[i]);
            /* Never hold a class of a closed, unproven loader across the Java calls below. */
            if (l != NULL && l->verdict.state == ML_STATE_CLOSED)
                l = NULL;
        }
        if (l != NULL) {
            kept[n_kept].cls = classes[i];
            kept[n_kept].hash = h;
            kept[n_kept].loader_id = l->id;
            kept[n_kept].name = strdup(name);
            n_kept++;
            continue;
        }
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    ml_jvmti_free(jvmti, classes);
    for (size_t k = 0; k < n_cands; k++) {
        const struct kept *child = NULL, *anc = NULL;
        uint64_t h = cands[k].name_hash;
        struct ml_loader *l = ml_registry_find_id(ml_reg(), cands[k].child_id);

        for (size_t j = 0; j < n_kept; j++) {
            if (kept[j].hash == h && kept[j].loader_id == cands[k].child_id)
                child = &kept[j];
            if (kept[j].hash == h && kept[j].loader_id == cands[k].ancestor_id)
                anc = &kept[j];
        }
        if (l != NULL && child != NULL && anc != NULL && child->name != NULL &&
            anc->name != NULL && strcmp(child->name, anc->name) == 0)
            add_shadow(jni, jvmti, l, child->name, cands[k].ancestor_id, child->cls, anc->cls);
    }
cleanup:
    for (size_t j = 0; kept != NULL && j < n_kept; j++) {
        (*jni)->DeleteLocalRef(jni, kept[j].cls);
        free(kept[j].name);
    }
    free(kept);
    free(hashes);
}

int ml_classscan_run(JNIEnv *jni)
{
    struct ml_registry *reg = ml_reg();
    jvmtiEnv *jvmti = ml_jvmti();
    jint n = 0;
    jclass *none = NULL;
    struct ml_inv_class *inv = NULL;
    struct ml_inv_shadow *cands = NULL;
    size_t n_inv, n_cands = 0;
    uint64_t f;
    int rc = ML_OK;

    if (!ml_reg_lock())
        return ML_ERR_JVM;
    f = fingerprint();
    if (f != last_fingerprint) {
        for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
             l = ml_registry_next(reg, l)) {
            l->lambdas = 0;
            l->proxies = 0;
            l->shadowed = 0;
            ml_loader_clear_shadows(l);
            l->inventoried = l->verdict.state != ML_STATE_UNLOADED;
        }
    }
    ml_inv_mark_suspects(reg, ml_clock_ms(), (int64_t)ml_opts()->suspect_after_s * 1000);
    ml_reg_unlock();
    if (f == last_fingerprint)
        return ML_OK;
    last_fingerprint = f;

    /* How many classes: a bound for the inventory array (classes may come meanwhile). */
    if (!ml_jvmti_ok((*jvmti)->GetLoadedClasses(jvmti, &n, &none), ML_ON_ERROR_DEBUG,
                     "class scan: GetLoadedClasses"))
        return ML_ERR_JVM;
    for (jint i = 0; i < n; i++)
        (*jni)->DeleteLocalRef(jni, none[i]);
    ml_jvmti_free(jvmti, none);
    inv = malloc(((size_t)n + 1024) * sizeof(*inv));
    cands = malloc(MAX_CANDIDATES * sizeof(*cands));
    if (inv == NULL || cands == NULL) {
        rc = ML_ERR_NOMEM;
        goto cleanup;
    }
    n_inv = read_classes(jni, inv, (size_t)n + 1024);
    if (!ml_reg_lock()) {
        rc = ML_ERR_JVM;
        goto cleanup;
    }
    n_cands = ml_inv_shadow_candidates(reg, inv, n_inv, cands, MAX_CANDIDATES);
    ml_reg_unlock();
    if (n_cands > MAX_CANDIDATES)
        n_cands = MAX_CANDIDATES;
    if (n_cands > 0) {
        record_shadows(jni, cands, n_cands);
    }
    ml_log(ML_LOG_DEBUG, "class scan: %zu classes, %zu shadowing candidates", n_inv, n_cands);
cleanup:
    free(inv);
    free(cands);
    return rc;
}
