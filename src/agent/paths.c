/* The reference-path search: why is a leaked loader still alive?
 *
 * One search serves every loader that needs a path (leaked ones without a path yet, and closed
 * ones old enough for the path to be their proof, see ml_paths_search). It runs on the worker
 * thread in a throw-away JVMTI environment, so that its tags (every class, every thread, the
 * path objects) vanish with DisposeEnvironment and never mix with the agent's own tags:
 *   1. tag every loaded class (owned or not by a searched loader, java.lang.ref.Reference
 *      subclass or not), every live thread and every searched loader object;
 *   2. walk the heap with FollowReferences, backwards one step per walk (pathgraph.h), until
 *      every searched loader has a chain, nothing new turns up, or the time budget ends;
 *   3. fetch the objects of the chains (GetObjectsWithTags) and name what a person needs:
 *      classes, field names (found by comparing field values, so that the JVM's field index
 *      order does not matter), array indices, map keys, thread names, methods and jars;
 *   4. classify the cause (cause.c) and store the path in the loader's record.
 * The walks stop the world; they run only when the worker decides (rate-limited, see
 * worker.c), and never hold the registry lock. No JNI reference to a searched object is held
 * while the heap is walked: it would itself be a GC root on the path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paths.h"

#include <stdatomic.h>

#include "jdkids.h"
#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/cause.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/jnames.h"
#include "metaleak/log.h"
#include "metaleak/pathgraph.h"
#include "metaleak/registry.h"
#include "metaspace.h"
#include "mgmt.h"
#include "state.h"
#include "tracking.h"

#define MAX_TARGETS 256          /* loaders served by one search; the rest wait for the next */
#define MAX_NODES 200000         /* objects tagged by one search */
#define MAX_EDGES 400000         /* references recorded by one search */
#define MAX_PASSES 48            /* heap walks of one search */
#define MAX_STEPS 64             /* steps kept per path */
#define MAX_KEY 160              /* characters of a map key kept */
#define REFERENCE_TAG_BIT (1ULL << 60)  /* class tag: a java.lang.ref.Reference subclass */
#define THREAD_CLASS_BIT (1ULL << 59)   /* class tag: java.lang.Thread or a subclass */
#define HOOK_MARK 1ULL                  /* temporary tag: found while naming exit hooks */
#define MAX_HOOKS 64                    /* shutdown hooks named per search */
#define HOOK_WALK_CALLS 100000          /* bound of the walk from runHooks' locals */
#define SEARCH_GAP_MS 30000     /* automatic path searches at least this far apart... */
#define SEARCH_GAP_FACTOR 20    /* ...and at least 20 times their own duration */
#define MAX_OWN_GLOBALS (ML_MGMT_MAX_BEANS + 8)

/* Worker thread only. */
static uint64_t searches;              /* reference-path searches run */
static uint64_t heap_walks;            /* heap walks they made */
static int64_t last_search_ms = -1;    /* duration of the last search, -1 none */
static int64_t last_search_end_ms = -1; /* when it ended (ms since JVM start), -1 none */

/* State shared with the heap-walk callback (which runs on the VM thread at a safepoint). */
struct walk {
    struct ml_pg *pg;
    int64_t deadline_ns;
    uint64_t calls;
    bool cut;                    /* the time budget ended the walk */
    bool roots_done;             /* the walk has reported every GC root */
    bool early;                  /* every target had a chain when the roots were done */
};

/* One loader being searched. */
struct target {
    struct ml_loader *rec;
    bool found;
};

struct search {
    JNIEnv *jni;
    jvmtiEnv *main;              /* the agent's environment (names, fields) */
    jvmtiEnv *env;               /* the throw-away environment (tags) */
    struct ml_pg *pg;
    struct target *targets;
    uint32_t n_targets;
    char **thread_names;         /* by thread index, owned */
    uint32_t n_thread_names;
    jweak hooks[MAX_HOOKS];      /* shutdown hooks being run at exit, owned */
    uint32_t n_hooks;
    jclass class_cls;            /* java.lang.Class while naming steps (local reference) */
};

/* State of the small walks that find the shutdown hooks held by runHooks' frame. */
struct hook_walk {
    jmethodID run_hooks;
    uint64_t found[MAX_HOOKS];   /* tags of the hook threads (thread tags or HOOK_MARK) */
    uint32_t n_found;
    uint32_t calls;
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static enum ml_ref map_kind(jvmtiHeapReferenceKind kind)
{
    switch (kind) {
    case JVMTI_HEAP_REFERENCE_CLASS:
        return ML_REF_CLASS;
    case JVMTI_HEAP_REFERENCE_FIELD:
        return ML_REF_FIELD;
    case JVMTI_HEAP_REFERENCE_ARRAY_ELEMENT:
        return ML_REF_ARRAY_ELEMENT;
    case JVMTI_HEAP_REFERENCE_CLASS_LOADER:
        return ML_REF_CLASS_LOADER;
    case JVMTI_HEAP_REFERENCE_SIGNERS:
        return ML_REF_SIGNERS;
    case JVMTI_HEAP_REFERENCE_PROTECTION_DOMAIN:
        return ML_REF_PROTECTION_DOMAIN;
    case JVMTI_HEAP_REFERENCE_INTERFACE:
        return ML_REF_INTERFACE;
    case JVMTI_HEAP_REFERENCE_STATIC_FIELD:
        return ML_REF_STATIC_FIELD;
    case JVMTI_HEAP_REFERENCE_CONSTANT_POOL:
        return ML_REF_CONSTANT_POOL;
    case JVMTI_HEAP_REFERENCE_SUPERCLASS:
        return ML_REF_SUPERCLASS;
    case JVMTI_HEAP_REFERENCE_JNI_GLOBAL:
        return ML_REF_ROOT_JNI_GLOBAL;
    case JVMTI_HEAP_REFERENCE_SYSTEM_CLASS:
        return ML_REF_ROOT_SYSTEM_CLASS;
    case JVMTI_HEAP_REFERENCE_MONITOR:
        return ML_REF_ROOT_MONITOR;
    case JVMTI_HEAP_REFERENCE_STACK_LOCAL:
        return ML_REF_ROOT_STACK_LOCAL;
    case JVMTI_HEAP_REFERENCE_JNI_LOCAL:
        return ML_REF_ROOT_JNI_LOCAL;
    case JVMTI_HEAP_REFERENCE_THREAD:
        return ML_REF_ROOT_THREAD;
    case JVMTI_HEAP_REFERENCE_OTHER:
        return ML_REF_ROOT_OTHER;
    }
    return ML_REF_OTHER;
}

/* Heap-walk callback: the VM thread, inside a safepoint. Only our memory, no JNI, no JVMTI. */
static jint JNICALL on_reference(jvmtiHeapReferenceKind kind,
                                 const jvmtiHeapReferenceInfo *info, jlong class_tag,
                                 jlong referrer_class_tag, jlong size, jlong *tag_ptr,
                                 jlong *referrer_tag_ptr, jint length, void *user_data)
{
    struct walk *w = user_data;
    struct ml_pg_refinfo ri;

    (void)size;
    (void)length;
    if ((++w->calls & 0xffffu) == 0 && now_ns() > w->deadline_ns) {
        w->cut = true;
        return JVMTI_VISIT_ABORT;
    }
    /* HotSpot reports every root before it follows any object: when the first reference with a
     * referrer comes, the chains may already be complete (a static field's class is a system
     * class root, a thread a thread root), and the rest of the heap need not be walked. */
    if (!w->roots_done && referrer_tag_ptr != NULL) {
        w->roots_done = true;
        if (ml_pg_solve(w->pg, NULL) == w->pg->n_targets) {
            w->early = true;
            return JVMTI_VISIT_ABORT;
        }
    }
    if (!ml_pg_interesting((uint64_t)*tag_ptr, (uint64_t)class_tag))
        return JVMTI_VISIT_OBJECTS;
    ri.ref = map_kind(kind);
    ri.index = -1;
    ri.thread_tag = 0;
    ri.method = NULL;
    ri.depth = -1;
    switch (kind) {
    case JVMTI_HEAP_REFERENCE_FIELD:
    case JVMTI_HEAP_REFERENCE_STATIC_FIELD:
        ri.index = info->field.index;
        /* Reference.referent (index 0 in every Reference subclass without interface fields)
         * is not a strong reference: such a chain would not keep the loader alive. */
        if (kind == JVMTI_HEAP_REFERENCE_FIELD && ri.index == 0 &&
            ((uint64_t)referrer_class_tag & REFERENCE_TAG_BIT) != 0)
            return JVMTI_VISIT_OBJECTS;
        break;
    case JVMTI_HEAP_REFERENCE_ARRAY_ELEMENT:
        ri.index = info->array.index;
        break;
    case JVMTI_HEAP_REFERENCE_CONSTANT_POOL:
        ri.index = info->constant_pool.index;
        break;
    case JVMTI_HEAP_REFERENCE_STACK_LOCAL:
        ri.thread_tag = (uint64_t)info->stack_local.thread_tag;
        ri.method = info->stack_local.method;
        ri.depth = info->stack_local.depth;
        break;
    case JVMTI_HEAP_REFERENCE_JNI_LOCAL:
        ri.thread_tag = (uint64_t)info->jni_local.thread_tag;
        ri.method = info->jni_local.method;
        ri.depth = info->jni_local.depth;
        break;
    default:
        break;
    }
    ml_pg_ref(w->pg, &ri, (uint64_t)class_tag, (uint64_t)referrer_class_tag, (uint64_t *)tag_ptr,
              (uint64_t *)referrer_tag_ptr);
    return JVMTI_VISIT_OBJECTS;
}

static void log_jvmti(jvmtiEnv *jvmti, const char *what, jvmtiError err)
{
    char buf[96];

    ml_log(ML_LOG_INFO, "path search: %s failed: %s", what,
           ml_jvmti_error_name(jvmti, err, buf, sizeof(buf)));
}

/* Step 1a: tags every loaded class. Owned classes carry the searched loader's index. */
static int tag_classes(struct search *s)
{
    JNIEnv *jni = s->jni;
    jclass *classes = NULL;
    jclass ref_cls = NULL, thread_cls = NULL, class_cls = NULL;
    jint n = 0;
    jvmtiError err = (*s->env)->GetLoadedClasses(s->env, &n, &classes);
    int rc = ML_OK;

    if (err != JVMTI_ERROR_NONE) {
        log_jvmti(s->env, "GetLoadedClasses", err);
        return ML_ERR_JVM;
    }
    ref_cls = (*jni)->FindClass(jni, "java/lang/ref/Reference");
    if (ref_cls == NULL)
        ml_jni_clear(jni);
    thread_cls = (*jni)->FindClass(jni, "java/lang/Thread");
    if (thread_cls == NULL)
        ml_jni_clear(jni);
    class_cls = (*jni)->FindClass(jni, "java/lang/Class");
    if (class_cls == NULL)
        ml_jni_clear(jni);
    for (jint i = 0; i < n; i++) {
        uint64_t loader_id = ML_ID_NONE, tag;
        int32_t target = ML_PG_NO_TARGET;

        if (rc == ML_OK) {
            struct ml_loader *l = ml_track_defining_loader(s->main, jni, classes[i]);

            if (l != NULL) {
                loader_id = l->id;
                if (l->search_idx >= 0)
                    target = l->search_idx;
            }
        }
        if (rc == ML_OK) {
            tag = ml_pg_add_class(s->pg, loader_id, target);
            if (tag == 0) {
                rc = ML_ERR_NOMEM;
            } else {
                if (ref_cls != NULL && (*jni)->IsAssignableFrom(jni, classes[i], ref_cls))
                    tag |= REFERENCE_TAG_BIT;
                if (thread_cls != NULL &&
                    (*jni)->IsAssignableFrom(jni, classes[i], thread_cls))
                    tag |= THREAD_CLASS_BIT;
                /* Every tag makes every reference of the walk slower (the JVM looks up the
                 * tag of each referred object and of its class): only the classes whose tag
                 * the walk reads are tagged. Other classes met on a chain become plain nodes
                 * (a system class ends its chain with a system-class root). */
                if (class_cls != NULL && (*jni)->IsSameObject(jni, classes[i], class_cls))
                    tag |= ML_PG_MIRROR;
                err = JVMTI_ERROR_NONE;
                if (target >= 0 ||
                    (tag & (REFERENCE_TAG_BIT | THREAD_CLASS_BIT | ML_PG_MIRROR)) != 0)
                    err = (*s->env)->SetTag(s->env, classes[i], (jlong)tag);
                if (err != JVMTI_ERROR_NONE) {
                    log_jvmti(s->env, "SetTag(class)", err);
                    rc = ML_ERR_JVM;
                }
            }
        }
        (*jni)->DeleteLocalRef(jni, classes[i]);
    }
    if (ref_cls != NULL)
        (*jni)->DeleteLocalRef(jni, ref_cls);
    if (thread_cls != NULL)
        (*jni)->DeleteLocalRef(jni, thread_cls);
    if (class_cls != NULL)
        (*jni)->DeleteLocalRef(jni, class_cls);
    (*s->env)->Deallocate(s->env, (unsigned char *)classes);
    return rc;
}

/* Step 1b: tags every live thread and keeps its name; our own thread's locals are ignored. */
static int tag_threads(struct search *s)
{
    JNIEnv *jni = s->jni;
    jthread *threads = NULL, self = NULL;
    jint n = 0;
    jvmtiError err = (*s->env)->GetAllThreads(s->env, &n, &threads);
    int rc = ML_OK;

    if (err != JVMTI_ERROR_NONE) {
        log_jvmti(s->env, "GetAllThreads", err);
        return ML_ERR_JVM;
    }
    if ((*s->env)->GetCurrentThread(s->env, &self) != JVMTI_ERROR_NONE)
        self = NULL;
    s->thread_names = calloc((size_t)n + 1, sizeof(*s->thread_names));
    if (s->thread_names == NULL)
        rc = ML_ERR_NOMEM;
    for (jint i = 0; i < n; i++) {
        bool mine = self != NULL && (*jni)->IsSameObject(jni, threads[i], self);
        uint64_t tag = rc == ML_OK ? ml_pg_add_thread(s->pg, mine) : 0;
        jvmtiThreadInfo ti;

        if (rc == ML_OK && tag == 0)
            rc = ML_ERR_NOMEM;
        if (rc == ML_OK) {
            err = (*s->env)->SetTag(s->env, threads[i], (jlong)tag);
            if (err != JVMTI_ERROR_NONE) {
                log_jvmti(s->env, "SetTag(thread)", err);
                rc = ML_ERR_JVM;
            }
        }
        memset(&ti, 0, sizeof(ti));
        if (rc == ML_OK &&
            (*s->env)->GetThreadInfo(s->env, threads[i], &ti) == JVMTI_ERROR_NONE) {
            s->thread_names[ML_PG_IDX(tag)] = ti.name != NULL ? strdup(ti.name) : NULL;
            s->n_thread_names = ML_PG_IDX(tag) + 1;
            (*s->env)->Deallocate(s->env, (unsigned char *)ti.name);
            /* The context class loader may be a searched loader: never keep it. */
            if (ti.context_class_loader != NULL)
                (*jni)->DeleteLocalRef(jni, ti.context_class_loader);
            if (ti.thread_group != NULL)
                (*jni)->DeleteLocalRef(jni, ti.thread_group);
        }
        (*jni)->DeleteLocalRef(jni, threads[i]);
    }
    if (self != NULL)
        (*jni)->DeleteLocalRef(jni, self);
    (*s->env)->Deallocate(s->env, (unsigned char *)threads);
    return rc;
}

/* Step 1c: tags the searched loader objects (those still alive). */
static int tag_targets(struct search *s)
{
    JNIEnv *jni = s->jni;

    for (uint32_t t = 0; t < s->n_targets; t++) {
        jobject obj = (*jni)->NewLocalRef(jni, (jweak)s->targets[t].rec->handle);
        jclass cls;
        jlong ctag = 0;
        uint64_t tag;
        jvmtiError err;

        if (obj == NULL)
            continue; /* collected meanwhile */
        cls = (*jni)->GetObjectClass(jni, obj);
        if (cls != NULL) {
            (*s->env)->GetTag(s->env, cls, &ctag);
            (*jni)->DeleteLocalRef(jni, cls);
        }
        tag = ml_pg_add_target(s->pg, (int32_t)t,
                               ML_PG_KIND((uint64_t)ctag) == ML_PG_KIND_CLASS
                                   ? ML_PG_IDX((uint64_t)ctag) : UINT32_MAX);
        err = tag == 0 ? JVMTI_ERROR_OUT_OF_MEMORY : (*s->env)->SetTag(s->env, obj, (jlong)tag);
        (*jni)->DeleteLocalRef(jni, obj);
        if (err != JVMTI_ERROR_NONE) {
            log_jvmti(s->env, "SetTag(loader)", err);
            return ML_ERR_JVM;
        }
    }
    return ML_OK;
}

/* Step 1d: the objects the agent holds with JNI global references (management beans): a
 * JNI global root to one of them is ours, not the application's. */
static int tag_own_globals(struct search *s)
{
    jobject objs[MAX_OWN_GLOBALS];
    size_t n = ml_mgmt_own_globals(objs, MAX_OWN_GLOBALS);

    n += ml_metaspace_own_globals(objs + n, MAX_OWN_GLOBALS - n);
    for (size_t i = 0; i < n; i++) {
        jlong old = 0, ctag = 0;
        jclass cls;
        uint64_t tag;

        if (objs[i] == NULL || (*s->env)->GetTag(s->env, objs[i], &old) != JVMTI_ERROR_NONE ||
            old != 0)
            continue;
        cls = (*s->jni)->GetObjectClass(s->jni, objs[i]);
        if (cls != NULL) {
            (*s->env)->GetTag(s->env, cls, &ctag);
            (*s->jni)->DeleteLocalRef(s->jni, cls);
        }
        tag = ml_pg_add_own_global(s->pg, ML_PG_KIND((uint64_t)ctag) == ML_PG_KIND_CLASS
                                              ? ML_PG_IDX((uint64_t)ctag) : UINT32_MAX);
        if (tag == 0 || (*s->env)->SetTag(s->env, objs[i], (jlong)tag) != JVMTI_ERROR_NONE)
            return ML_ERR_NOMEM;
    }
    return ML_OK;
}

/* Records a thread object met by the hook walks: a live thread keeps its thread tag, an
 * unstarted one gets HOOK_MARK. */
static void note_hook(struct hook_walk *h, jlong *tag_ptr)
{
    uint64_t t = (uint64_t)*tag_ptr;

    if (t == 0) {
        *tag_ptr = (jlong)HOOK_MARK;
        t = HOOK_MARK;
    }
    if (ML_PG_KIND(t) != ML_PG_KIND_THREAD && t != HOOK_MARK)
        return;
    for (uint32_t i = 0; i < h->n_found; i++)
        if (h->found[i] == t && t != HOOK_MARK)
            return;
    if (h->n_found < MAX_HOOKS)
        h->found[h->n_found++] = t;
}

/* Roots only: the locals of ApplicationShutdownHooks.runHooks() (the hook being joined, and
 * the collection of all hooks, which gets HOOK_MARK to be walked from). Visits nothing. */
static jint JNICALL on_hook_root(jvmtiHeapReferenceKind kind, const jvmtiHeapReferenceInfo *info,
                                 jlong class_tag, jlong referrer_class_tag, jlong size,
                                 jlong *tag_ptr, jlong *referrer_tag_ptr, jint length,
                                 void *user_data)
{
    struct hook_walk *h = user_data;

    (void)referrer_class_tag;
    (void)size;
    (void)referrer_tag_ptr;
    (void)length;
    if (kind != JVMTI_HEAP_REFERENCE_STACK_LOCAL || info->stack_local.method != h->run_hooks)
        return 0;
    if (((uint64_t)class_tag & THREAD_CLASS_BIT) != 0)
        note_hook(h, tag_ptr);
    else if (*tag_ptr == 0)
        *tag_ptr = (jlong)HOOK_MARK;
    return 0;
}

/* From the collection of hooks: fields and array elements only, down to the threads. */
static jint JNICALL on_hook_ref(jvmtiHeapReferenceKind kind, const jvmtiHeapReferenceInfo *info,
                                jlong class_tag, jlong referrer_class_tag, jlong size,
                                jlong *tag_ptr, jlong *referrer_tag_ptr, jint length,
                                void *user_data)
{
    struct hook_walk *h = user_data;

    (void)info;
    (void)referrer_class_tag;
    (void)size;
    (void)referrer_tag_ptr;
    (void)length;
    if (++h->calls > HOOK_WALK_CALLS)
        return JVMTI_VISIT_ABORT;
    if (kind != JVMTI_HEAP_REFERENCE_FIELD && kind != JVMTI_HEAP_REFERENCE_ARRAY_ELEMENT)
        return 0;
    if (((uint64_t)class_tag & THREAD_CLASS_BIT) != 0) {
        note_hook(h, tag_ptr);
        return 0;
    }
    return ML_PG_KIND((uint64_t)*tag_ptr) == 0 ? JVMTI_VISIT_OBJECTS : 0;
}

/* Step 1c (at exit only): the shutdown hooks that the JVM is running. ApplicationShutdownHooks
 * has already emptied its list; the hooks are in runHooks()'s locals. A walk of the roots
 * finds those locals, a small walk from them finds the threads; they are kept as weak
 * references for naming, and the temporary tags are removed. */
static void find_exit_hooks(struct search *s)
{
    const struct ml_jids *ids = ml_jdkids();
    JNIEnv *jni = s->jni;
    jvmtiHeapCallbacks cb;
    struct hook_walk h;
    jlong mark = (jlong)HOOK_MARK;
    jobject *objs = NULL;
    jint n = 0;

    if (ids->run_hooks == NULL || !ml_mail_checkpoint_started())
        return;
    memset(&h, 0, sizeof(h));
    h.run_hooks = ids->run_hooks;
    memset(&cb, 0, sizeof(cb));
    cb.heap_reference_callback = on_hook_root;
    if ((*s->env)->FollowReferences(s->env, 0, NULL, NULL, &cb, &h) != JVMTI_ERROR_NONE)
        return;
    /* Walk from each marked local (the hooks' collection) to the threads in it. */
    if ((*s->env)->GetObjectsWithTags(s->env, 1, &mark, &n, &objs, NULL) == JVMTI_ERROR_NONE) {
        cb.heap_reference_callback = on_hook_ref;
        for (jint i = 0; i < n; i++) {
            (*s->env)->FollowReferences(s->env, 0, NULL, objs[i], &cb, &h);
            (*jni)->DeleteLocalRef(jni, objs[i]);
        }
        (*s->env)->Deallocate(s->env, (unsigned char *)objs);
    }
    /* Keep the hook threads (weakly), then remove every temporary tag. A running hook that
     * is not the job's own is a weak anchor: a chain from it (the JDK's Logging-Cleaner holds
     * the LogManager, say) is used only when no other chain exists. */
    for (uint32_t i = 0; i < h.n_found && s->n_hooks < MAX_HOOKS; i++) {
        jlong t = (jlong)h.found[i];
        jint k = 0;

        if (t != mark)
            ml_pg_weaken_thread(s->pg, (uint64_t)t);
        if ((*s->env)->GetObjectsWithTags(s->env, 1, &t, &k, &objs, NULL) != JVMTI_ERROR_NONE)
            continue;
        for (jint j = 0; j < k; j++) {
            if (s->n_hooks < MAX_HOOKS) {
                jweak w = (*jni)->NewWeakGlobalRef(jni, objs[j]);

                if (w != NULL)
                    s->hooks[s->n_hooks++] = w;
            }
            if (t == mark)
                (*s->env)->SetTag(s->env, objs[j], 0);
            (*jni)->DeleteLocalRef(jni, objs[j]);
        }
        (*s->env)->Deallocate(s->env, (unsigned char *)objs);
        if (t == mark)
            break; /* every marked object was handled */
    }
    if ((*s->env)->GetObjectsWithTags(s->env, 1, &mark, &n, &objs, NULL) == JVMTI_ERROR_NONE) {
        for (jint i = 0; i < n; i++) {
            (*s->env)->SetTag(s->env, objs[i], 0);
            (*jni)->DeleteLocalRef(jni, objs[i]);
        }
        (*s->env)->Deallocate(s->env, (unsigned char *)objs);
    }
    ml_jni_clear(jni);
    ml_log(ML_LOG_DEBUG, "path search: %u shutdown hooks running", s->n_hooks);
}

static bool is_hook(const struct search *s, jobject obj)
{
    for (uint32_t i = 0; i < s->n_hooks; i++)
        if ((*s->jni)->IsSameObject(s->jni, s->hooks[i], obj))
            return true;
    return false;
}

/* Step 2: the walks. Returns the status for the loaders without a path. */
static enum ml_path_status walk(struct search *s, int64_t budget_ms, unsigned *walks)
{
    jvmtiHeapCallbacks cb;
    struct walk w;
    bool *found = calloc((size_t)s->n_targets + 1, sizeof(*found));
    enum ml_path_status status = ML_PATH_BUDGET;  /* unless a walk says otherwise */

    if (found == NULL)
        return ML_PATH_FAILED;
    memset(&cb, 0, sizeof(cb));
    cb.heap_reference_callback = on_reference;
    memset(&w, 0, sizeof(w));
    w.pg = s->pg;
    w.deadline_ns = now_ns() + budget_ms * 1000000LL;
    for (*walks = 0; *walks < MAX_PASSES;) {
        jvmtiError err;

        ml_pg_begin_pass(s->pg);
        w.roots_done = false;
        err = (*s->env)->FollowReferences(s->env, 0, NULL, NULL, &cb, &w);
        (*walks)++;
        if (err != JVMTI_ERROR_NONE) {
            log_jvmti(s->env, "FollowReferences", err);
            status = ML_PATH_FAILED;
            break;
        }
        if (ml_pg_solve(s->pg, found) == s->n_targets) {
            status = ML_PATH_FOUND;
            break;
        }
        if (w.cut || s->pg->full || s->pg->nomem)
            break; /* budget */
        if (s->pg->new_nodes == 0) {
            status = ML_PATH_NOT_FOUND; /* a complete walk found nothing more */
            break;
        }
    }
    for (uint32_t t = 0; t < s->n_targets; t++)
        s->targets[t].found = found[t];
    free(found);
    return status;
}

static char *class_name_of(struct search *s, jclass cls)
{
    char *sig = NULL, *name;

    if (cls == NULL || (*s->main)->GetClassSignature(s->main, cls, &sig, NULL) != JVMTI_ERROR_NONE)
        return NULL;
    name = ml_sig_to_java(sig);
    (*s->main)->Deallocate(s->main, (unsigned char *)sig);
    return name;
}

/* The name of the reference field of `holder` (an instance, or a class for statics) whose
 * value is `value`. Superclass fields are searched too. NULL when not found. */
static char *field_name(struct search *s, jobject holder, jobject value, bool is_static)
{
    JNIEnv *jni = s->jni;
    jclass cls = is_static ? (jclass)(*jni)->NewLocalRef(jni, holder)
                           : (*jni)->GetObjectClass(jni, holder);
    char *found = NULL;

    while (cls != NULL && found == NULL) {
        jint n = 0;
        jfieldID *fields = NULL;
        jclass super;

        if ((*s->main)->GetClassFields(s->main, cls, &n, &fields) == JVMTI_ERROR_NONE) {
            for (jint i = 0; i < n && found == NULL; i++) {
                jint mods = 0;
                char *name = NULL, *sig = NULL;
                jobject v;

                if ((*s->main)->GetFieldModifiers(s->main, cls, fields[i], &mods) !=
                        JVMTI_ERROR_NONE ||
                    ((mods & 0x0008) != 0) != is_static)
                    continue;
                if ((*s->main)->GetFieldName(s->main, cls, fields[i], &name, &sig, NULL) !=
                    JVMTI_ERROR_NONE)
                    continue;
                if (sig[0] == 'L' || sig[0] == '[') {
                    v = is_static ? (*jni)->GetStaticObjectField(jni, cls, fields[i])
                                  : (*jni)->GetObjectField(jni, holder, fields[i]);
                    if (v != NULL) {
                        if ((*jni)->IsSameObject(jni, v, value))
                            found = strdup(name);
                        (*jni)->DeleteLocalRef(jni, v);
                    }
                }
                (*s->main)->Deallocate(s->main, (unsigned char *)name);
                (*s->main)->Deallocate(s->main, (unsigned char *)sig);
            }
            (*s->main)->Deallocate(s->main, (unsigned char *)fields);
        }
        if (is_static)
            break; /* statics of supertypes are reported from their own classes */
        super = (*jni)->GetSuperclass(jni, cls);
        (*jni)->DeleteLocalRef(jni, cls);
        cls = super;
    }
    if (cls != NULL)
        (*jni)->DeleteLocalRef(jni, cls);
    ml_jni_clear(jni);
    return found;
}

/* A map entry's String key, when `entry` has a `key` field holding a String. */
static char *map_key(struct search *s, jobject entry)
{
    JNIEnv *jni = s->jni;
    jclass cls = (*jni)->GetObjectClass(jni, entry);
    jclass str = (*jni)->FindClass(jni, "java/lang/String");
    jfieldID fid = NULL;
    jobject key = NULL;
    char *out = NULL;

    for (jclass c = cls; c != NULL && fid == NULL;) {
        jclass super;

        fid = (*jni)->GetFieldID(jni, c, "key", "Ljava/lang/Object;");
        ml_jni_clear(jni);
        if (fid != NULL) {
            key = (*jni)->GetObjectField(jni, entry, fid);
            break;
        }
        super = (*jni)->GetSuperclass(jni, c);
        if (c != cls)
            (*jni)->DeleteLocalRef(jni, c);
        c = super;
    }
    if (key != NULL && str != NULL && (*jni)->IsInstanceOf(jni, key, str)) {
        out = ml_jni_strdup(jni, (jstring)key);
        if (out != NULL && strlen(out) > MAX_KEY)
            memcpy(out + MAX_KEY - 3, "...", 4);
    }
    if (key != NULL)
        (*jni)->DeleteLocalRef(jni, key);
    if (str != NULL)
        (*jni)->DeleteLocalRef(jni, str);
    if (cls != NULL)
        (*jni)->DeleteLocalRef(jni, cls);
    ml_jni_clear(jni);
    return out;
}

static char *method_name(struct search *s, void *method)
{
    jmethodID m = (jmethodID)method;
    jclass decl = NULL;
    char *name = NULL, *cname = NULL, *out = NULL;
    size_t len;

    if (m == NULL || (*s->main)->GetMethodName(s->main, m, &name, NULL, NULL) != JVMTI_ERROR_NONE)
        return NULL;
    if ((*s->main)->GetMethodDeclaringClass(s->main, m, &decl) == JVMTI_ERROR_NONE) {
        cname = class_name_of(s, decl);
        (*s->jni)->DeleteLocalRef(s->jni, decl);
    }
    len = strlen(name) + (cname != NULL ? strlen(cname) : 1) + 2;
    out = malloc(len);
    if (out != NULL)
        snprintf(out, len, "%s.%s", cname != NULL ? cname : "?", name);
    free(cname);
    (*s->main)->Deallocate(s->main, (unsigned char *)name);
    return out;
}

/* Registry id of the loader that defined cls: 0 for the JDK, UINT64_MAX when untracked. */
static uint64_t loader_id_of(struct search *s, jclass cls)
{
    const struct ml_loader *l = ml_track_defining_loader(s->main, s->jni, cls);

    return l != NULL ? l->id : UINT64_MAX;
}

static const char *thread_name(const struct search *s, uint64_t tag)
{
    uint32_t i = ML_PG_IDX(tag);

    if (ML_PG_KIND(tag) != ML_PG_KIND_THREAD || i >= s->n_thread_names)
        return NULL;
    return s->thread_names[i];
}

static char *dup_or_null(const char *v)
{
    return v != NULL ? strdup(v) : NULL;
}

/* Looks up the object of a node among those fetched by tag. */
static jobject object_of(jlong tag, const jlong *tags, const jobject *objs, jint n)
{
    for (jint i = 0; i < n; i++)
        if (tags[i] == tag)
            return objs[i];
    return NULL;
}

/* Fills step `st` for node v reached through edge e (NULL for an anchor). */
static void describe_step(struct search *s, struct ml_step *st, int32_t v,
                          const struct ml_pg_edge *e, const jlong *tags, const jobject *objs,
                          jint n)
{
    const struct ml_pg_node *node = &s->pg->nodes[v];
    jobject obj = object_of((jlong)node->tag, tags, objs, n);
    jclass cls = NULL;

    memset(st, 0, sizeof(*st));
    st->index = -1;
    st->object = node->object;
    st->owned = node->target >= 0;
    st->ref = e != NULL ? e->info.ref : node->anchor;
    st->loader_id = UINT64_MAX;
    if (obj != NULL) {
        /* Untagged classes on a chain are plain nodes: recognise them here. */
        if (st->object == ML_OBJ_INSTANCE && s->class_cls != NULL &&
            (*s->jni)->IsInstanceOf(s->jni, obj, s->class_cls))
            st->object = ML_OBJ_CLASS;
        cls = st->object == ML_OBJ_CLASS ? (jclass)(*s->jni)->NewLocalRef(s->jni, obj)
                                         : (*s->jni)->GetObjectClass(s->jni, obj);
        st->loader_id = loader_id_of(s, cls);
        st->class_name = class_name_of(s, cls);
        st->jar = ml_jni_class_location(s->jni, cls);
        st->hook = node->object != ML_OBJ_CLASS && is_hook(s, obj);
    }
    if (node->object == ML_OBJ_THREAD)
        st->thread = dup_or_null(thread_name(s, node->tag));
    if (e != NULL) {
        if (e->info.ref == ML_REF_ARRAY_ELEMENT || e->info.ref == ML_REF_CONSTANT_POOL)
            st->index = e->info.index;
        if (e->info.ref == ML_REF_ROOT_STACK_LOCAL || e->info.ref == ML_REF_ROOT_JNI_LOCAL) {
            free(st->thread);
            st->thread = dup_or_null(thread_name(s, e->info.thread_tag));
            st->method = method_name(s, e->info.method);
        }
        if ((e->info.ref == ML_REF_FIELD || e->info.ref == ML_REF_STATIC_FIELD) && e->from >= 0 &&
            obj != NULL) {
            jobject holder = object_of((jlong)s->pg->nodes[e->from].tag, tags, objs, n);

            if (holder != NULL) {
                st->field = field_name(s, holder, obj, e->info.ref == ML_REF_STATIC_FIELD);
                if (st->field != NULL && strcmp(st->field, "value") == 0)
                    st->key = map_key(s, holder);
            }
        }
    }
    if (cls != NULL)
        (*s->jni)->DeleteLocalRef(s->jni, cls);
}

/* Step 3: names every step of target t's chain into p. */
static int build_path(struct search *s, int32_t t, struct ml_path *p)
{
    int32_t chain[MAX_STEPS];
    size_t len = ml_pg_path(s->pg, t, chain, MAX_STEPS);
    jlong *want = NULL, *tags = NULL;
    jobject *objs = NULL;
    jint n = 0;
    size_t nw = 0;
    int rc = ML_ERR_NOMEM;
    const struct ml_pg_edge *first;
    bool anchored;

    if (len == 0)
        return ML_ERR_FULL;
    first = &s->pg->edges[chain[0]];
    anchored = first->from >= 0;
    want = malloc((len + 1) * sizeof(*want));
    if (want == NULL)
        return ML_ERR_NOMEM;
    if (anchored)
        want[nw++] = (jlong)s->pg->nodes[first->from].tag;
    for (size_t i = 0; i < len; i++)
        want[nw++] = (jlong)s->pg->nodes[s->pg->edges[chain[i]].to].tag;
    if ((*s->env)->GetObjectsWithTags(s->env, (jint)nw, want, &n, &objs, &tags) !=
        JVMTI_ERROR_NONE) {
        free(want);
        return ML_ERR_JVM;
    }
    p->steps = calloc(len + 1, sizeof(*p->steps));
    if (p->steps == NULL)
        goto cleanup;
    if (s->class_cls == NULL) {
        s->class_cls = (*s->jni)->FindClass(s->jni, "java/lang/Class");
        ml_jni_clear(s->jni);
    }
    if (anchored)
        describe_step(s, &p->steps[p->n_steps++], first->from, NULL, tags, objs, n);
    for (size_t i = 0; i < len; i++) {
        const struct ml_pg_edge *e = &s->pg->edges[chain[i]];

        describe_step(s, &p->steps[p->n_steps++], e->to, e, tags, objs, n);
    }
    rc = ml_path_classify(p);
cleanup:
    for (jint i = 0; i < n; i++)
        (*s->jni)->DeleteLocalRef(s->jni, objs[i]);
    (*s->env)->Deallocate(s->env, (unsigned char *)objs);
    (*s->env)->Deallocate(s->env, (unsigned char *)tags);
    free(want);
    return rc;
}

/* True when the step list crosses a Reference.referent: then the chain is not strong. */
static bool through_referent(const struct ml_path *p)
{
    for (size_t i = 1; i < p->n_steps; i++)
        if (p->steps[i].ref == ML_REF_FIELD && p->steps[i].field != NULL &&
            strcmp(p->steps[i].field, "referent") == 0)
            return true;
    return false;
}

/* Picks the loaders that need a search (under reg_lock). */
static uint32_t pick_targets(struct search *s, int64_t now, bool *proof_candidates)
{
    struct ml_registry *reg = ml_reg();
    int64_t proof_ms = (int64_t)ml_opts()->path_proof_after_s * 1000;

    *proof_candidates = false;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        const struct ml_verdict *v = &l->verdict;
        bool leaked = v->state == ML_STATE_LEAKED && l->path_status != ML_PATH_FOUND;
        bool candidate = v->state == ML_STATE_CLOSED && l->role != ML_ROLE_WRAPPER &&
                         proof_ms > 0 && now - v->closed_ms >= proof_ms &&
                         (l->path_searched_ms < 0 || now - l->path_searched_ms >= proof_ms);

        l->search_idx = -1;
        if (l->handle == NULL || !(leaked || candidate) || s->n_targets >= MAX_TARGETS)
            continue;
        if (candidate)
            *proof_candidates = true;
        l->search_idx = (int32_t)s->n_targets;
        s->targets[s->n_targets++].rec = l;
    }
    return s->n_targets;
}

static bool paths_pending(int64_t now)
{
    struct ml_registry *reg = ml_reg();
    int64_t proof_ms = (int64_t)ml_opts()->path_proof_after_s * 1000;
    bool any = false;

    if (!ml_opts()->paths)
        return false;
    if (!ml_reg_lock())
        return false;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && !any;
         l = ml_registry_next(reg, l)) {
        const struct ml_verdict *v = &l->verdict;

        if (l->handle == NULL)
            continue;
        any = (v->state == ML_STATE_LEAKED && l->path_status == ML_PATH_NOT_SEARCHED) ||
              (v->state == ML_STATE_CLOSED && l->role != ML_ROLE_WRAPPER && proof_ms > 0 &&
               now - v->closed_ms >= proof_ms &&
               (l->path_searched_ms < 0 || now - l->path_searched_ms >= proof_ms));
    }
    ml_reg_unlock();
    return any;
}

static void free_search(struct search *s)
{
    for (uint32_t i = 0; i < s->n_hooks; i++)
        (*s->jni)->DeleteWeakGlobalRef(s->jni, s->hooks[i]);
    for (uint32_t i = 0; i < s->n_thread_names; i++)
        free(s->thread_names[i]);
    free(s->thread_names);
    ml_pg_free(s->pg);
    free(s->targets);
}

/* Step 4: stores what was found (under reg_lock). Returns loaders proven leaked by a path. */
static unsigned store(struct search *s, struct ml_path *paths, enum ml_path_status rest,
                      int64_t took, int64_t now, unsigned *n_found)
{
    unsigned proven = 0;

    for (uint32_t t = 0; t < s->n_targets; t++) {
        struct ml_loader *l = s->targets[t].rec;
        struct ml_verdict *v = &l->verdict;
        bool found = paths[t].n_steps > 0 && paths[t].cause != ML_CAUSE_NONE;

        l->search_idx = -1;
        l->path_search_ms = took;
        l->path_searched_ms = now;
        if (found) {
            ml_path_clear(&l->path);
            l->path = paths[t];
            memset(&paths[t], 0, sizeof(paths[t]));
            l->path_status = ML_PATH_FOUND;
            l->awaiting_unload = false;
            (*n_found)++;
            if (v->state == ML_STATE_CLOSED && ml_verdict_prove_path(v, now)) {
                proven++;
                ml_log(ML_LOG_INFO, "loader %llu (%s) leaked: %s",
                       (unsigned long long)l->id, l->class_name ? l->class_name : "?",
                       l->path.summary != NULL ? l->path.summary : "path found");
            }
        } else {
            /* All chains were found but this one could not be named: a failure. */
            l->path_status = rest == ML_PATH_FOUND ? ML_PATH_FAILED : rest;
            l->awaiting_unload = v->state == ML_STATE_CLOSED && rest == ML_PATH_NOT_FOUND;
        }
    }
    return proven;
}

static int paths_search(JNIEnv *jni, const char *why, unsigned *proven, unsigned *found)
{
    JavaVM *vm = ml_vm();
    struct search s;
    struct ml_path *paths = NULL;
    jvmtiCapabilities caps;
    enum ml_path_status rest = ML_PATH_FAILED;
    int64_t t0 = ml_clock_ms(), took;
    unsigned walks = 0;
    bool proof_candidates = false;
    jint jerr;
    int rc = ML_OK;

    *proven = 0;
    *found = 0;
    memset(&s, 0, sizeof(s));
    s.jni = jni;
    s.main = ml_jvmti();
    s.targets = calloc(MAX_TARGETS, sizeof(*s.targets));
    if (s.targets == NULL)
        return ML_ERR_NOMEM;
    if (!ml_reg_lock()) {
        free(s.targets);
        return ML_ERR_JVM;
    }
    pick_targets(&s, t0, &proof_candidates);
    ml_reg_unlock();
    if (s.n_targets == 0) {
        free(s.targets);
        return ML_OK;
    }
    paths = calloc(s.n_targets, sizeof(*paths));
    s.pg = ml_pg_new(s.n_targets, MAX_NODES, MAX_EDGES);
    if (paths == NULL || s.pg == NULL) {
        rc = ML_ERR_NOMEM;
        goto store;
    }
    jerr = (*vm)->GetEnv(vm, (void **)&s.env, JVMTI_VERSION_1_2);
    if (jerr != JNI_OK || s.env == NULL) {
        ml_log(ML_LOG_INFO, "path search: no second JVMTI environment (GetEnv: %d)", (int)jerr);
        s.env = NULL;
        goto store;
    }
    memset(&caps, 0, sizeof(caps));
    caps.can_tag_objects = 1;
    if ((*s.env)->AddCapabilities(s.env, &caps) != JVMTI_ERROR_NONE) {
        ml_log(ML_LOG_INFO, "path search: can_tag_objects is not available");
        goto store;
    }
    if ((*jni)->PushLocalFrame(jni, 64) != 0) {
        ml_jni_clear(jni);
        goto store;
    }
    rc = tag_classes(&s);
    if (rc == ML_OK)
        rc = tag_threads(&s);
    if (rc == ML_OK) {
        find_exit_hooks(&s);
        rc = tag_targets(&s);
    }
    if (rc == ML_OK)
        rc = tag_own_globals(&s);
    if (rc == ML_OK) {
        rest = walk(&s, (int64_t)ml_opts()->path_budget_ms - (ml_clock_ms() - t0), &walks);
        for (uint32_t t = 0; t < s.n_targets; t++) {
            if (!s.targets[t].found)
                continue;
            if (build_path(&s, (int32_t)t, &paths[t]) != ML_OK || through_referent(&paths[t])) {
                ml_log(ML_LOG_DEBUG, "path search: chain of loader %llu dropped",
                       (unsigned long long)s.targets[t].rec->id);
                ml_path_clear(&paths[t]);
            }
        }
    }
    (*jni)->PopLocalFrame(jni, NULL);
store:
    if (s.env != NULL)
        (*s.env)->DisposeEnvironment(s.env);
    took = ml_clock_ms() - t0;
    ml_log(ML_LOG_DEBUG, "path search (%s): %u loaders, %u heap walks, %u objects tagged, %lld ms",
           why, s.n_targets, walks, s.pg != NULL ? s.pg->n_nodes : 0u, (long long)took);
    if (ml_reg_lock()) {
        if (paths != NULL)
            *proven = store(&s, paths, rest, took, ml_clock_ms(), found);
        ml_reg_unlock();
    }
    searches++;
    heap_walks += walks;
    last_search_ms = took;
    last_search_end_ms = ml_clock_ms();
    for (uint32_t t = 0; paths != NULL && t < s.n_targets; t++)
        ml_path_clear(&paths[t]);
    free(paths);
    free_search(&s);
    return rc;
}

unsigned ml_paths_search_if_due(JNIEnv *jni, unsigned req, unsigned *proven)
{
    int64_t now = ml_clock_ms();
    unsigned found = 0;
    const char *why = "leak";

    *proven = 0;
    if (!ml_opts()->paths || !paths_pending(now))
        return 0;
    if ((req & ML_REQ_CHECKPOINT) != 0)
        why = "shutdown checkpoint";
    else if ((req & ML_REQ_OOM) != 0)
        why = "metaspace-oom";
    else if ((req & ML_REQ_SHUTDOWN) != 0)
        why = "exit";
    else if ((req & ML_REQ_REPORT) != 0)
        why = "request";
    else if (last_search_end_ms >= 0 &&
             (now - last_search_end_ms < SEARCH_GAP_MS ||
              now - last_search_end_ms < SEARCH_GAP_FACTOR * last_search_ms))
        return 0;
    paths_search(jni, why, proven, &found);
    return found;
}

void ml_paths_stats(struct ml_paths_stats *out)
{
    out->searches = searches;
    out->heap_walks = heap_walks;
    out->last_search_ms = last_search_ms;
}
