/* Tagging and heap walks of a reference-path search (steps 1 and 2, see refpath.c). In the
 * throw-away environment: every loaded class (owned or not by a searched loader,
 * java.lang.ref.Reference subclass or not), every live thread, every searched loader object
 * and the agent's own JNI-held objects are tagged; then FollowReferences walks the heap
 * backwards one step per walk (pathgraph.h) until every searched loader has a chain, nothing
 * new turns up, or a limit ends it (walkcap.h: max_pause for one walk, the search's deadline).
 * No JNI reference to a searched object is held while the heap is walked: it would itself be a
 * GC root on the path.
 *
 * What makes a walk cheaper (docs/performance.md has the measurements):
 *   - objects that cannot be on a chain are not visited: instances of leaf classes (primitive
 *     arrays, String, the boxes: their only references are to primitive arrays) and, when one
 *     loader is searched, the objects it owns (reachable through the leak only; with two or
 *     more, a chain of one may run through another's objects: pathgraph.h);
 *   - the frontier (the nodes whose referrers the next walk looks for) keeps only nodes that
 *     lead to a loader still without a chain (ml_pg_focus), and when it is a single class the
 *     walk runs with that class as its class filter: the JVM then looks up tags only for
 *     references to that class instead of four tags for every reference. */
#include "refwalk.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "jvmerror.h"
#include "metaleak/error.h"
#include "mbean.h"
#include "metaspace.h"
#include "mgmt.h"
#include "tracking.h"
#include "walkcap.h"

#define MAX_PASSES 48            /* heap walks of one search */
#define MAX_OWN_GLOBALS (ML_MGMT_MAX_BEANS + 10)
#define CLOCK_EVERY 1024u        /* the callback reads the clock every this many references */
#define FILTER_MAX_NODES 256     /* larger frontiers are not checked for a single class */

/* State shared with the heap-walk callback (which runs on the VM thread at a safepoint): only
 * our memory, no JNI, no allocation for the clock test. */
struct walk {
    struct ml_pg *pg;
    int64_t stop_ns;             /* abort at this monotonic time */
    int64_t aborted_ns;          /* when the callback aborted, 0 not */
    /* The walk's progress, for its rate when it is cut: every object the JVM visits reports
     * one reference to its class; the references to objects (fields, array elements) give
     * their mean size; leaves are counted when reported, since they are not visited. */
    uint64_t visited;            /* references to a class: objects visited */
    uint64_t refs;               /* field and array-element references to non-leaves */
    int64_t ref_bytes;           /* the sizes of their objects */
    int64_t leaf_bytes;          /* the sizes of the leaves reported */
    uint64_t calls;
    bool cut;                    /* the time limit ended the walk */
    bool roots_done;             /* the walk has reported every GC root */
    bool early;                  /* every target had a chain when the roots were done */
};

/* The bytes a walk has covered so far (an estimate: objects visited times the mean size of the
 * objects referred to, plus the leaves). */
static int64_t progress(const struct walk *w)
{
    double mean = w->refs > 0 ? (double)w->ref_bytes / (double)w->refs : 0;

    return (int64_t)(mean * (double)w->visited) + w->leaf_bytes;
}

/* Leaf classes: their instances refer to primitive arrays at most (String's value; the boxes
 * hold primitives), so no chain passes through them. JNI class names. */
static const char *const LEAF_CLASSES[] = {
    "[Z", "[B", "[C", "[S", "[I", "[J", "[F", "[D",
    "java/lang/String", "java/lang/Boolean", "java/lang/Byte", "java/lang/Character",
    "java/lang/Short", "java/lang/Integer", "java/lang/Long", "java/lang/Float",
    "java/lang/Double",
};

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

/* Heap-walk callback: the VM thread, inside a safepoint. Only our memory, no JNI, no JVMTI.
 * Returns 0 for references to objects that need no visit (leaves, owned objects). */
static jint JNICALL on_reference(jvmtiHeapReferenceKind kind,
                                 const jvmtiHeapReferenceInfo *info, jlong class_tag,
                                 jlong referrer_class_tag, jlong size, jlong *tag_ptr,
                                 jlong *referrer_tag_ptr, jint length, void *user_data)
{
    struct walk *w = user_data;
    uint64_t tag = (uint64_t)*tag_ptr, ctag = (uint64_t)class_tag;
    struct ml_pg_refinfo ri;
    bool owned;

    (void)length;
    if ((++w->calls % CLOCK_EVERY) == 0) {
        int64_t now = ml_walkcap_now_ns();

        if (now > w->stop_ns) {
            w->cut = true;
            w->aborted_ns = now;
            return JVMTI_VISIT_ABORT;
        }
    }
    if (kind == JVMTI_HEAP_REFERENCE_CLASS) {
        w->visited++;
    } else if ((ctag & ML_PG_LEAF) != 0) {
        w->leaf_bytes += size;
    } else if (kind == JVMTI_HEAP_REFERENCE_FIELD || kind == JVMTI_HEAP_REFERENCE_ARRAY_ELEMENT) {
        w->refs++;
        w->ref_bytes += size;
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
    /* Strong references only: Reference.referent (index 0 in every Reference subclass without
     * interface fields) is not followed, so nothing that only a soft, weak, final or phantom
     * reference reaches is visited, and no chain can start behind one (pathgraph.h). */
    if (kind == JVMTI_HEAP_REFERENCE_FIELD && info->field.index == 0 &&
        ((uint64_t)referrer_class_tag & ML_PG_REFERENCE) != 0)
        return 0;
    if ((ctag & ML_PG_LEAF) != 0)
        return 0;
    if (!ml_pg_interesting(tag, ctag))
        return JVMTI_VISIT_OBJECTS;
    owned = ((tag | ctag) & ML_PG_OWNED) != 0;
    ri.ref = map_kind(kind);
    ri.index = -1;
    ri.thread_tag = 0;
    ri.method = NULL;
    ri.depth = -1;
    switch (kind) {
    case JVMTI_HEAP_REFERENCE_FIELD:
    case JVMTI_HEAP_REFERENCE_STATIC_FIELD:
        ri.index = info->field.index;
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
    ml_pg_ref(w->pg, &ri, ctag, (uint64_t)referrer_class_tag, (uint64_t *)tag_ptr,
              (uint64_t *)referrer_tag_ptr);
    /* What an owned object refers to is reachable through the leak only, when one loader is
     * searched; with two or more, a chain of one may run through the objects of another
     * (pathgraph.h: "through" nodes), and a reference into one proves it strongly reachable. */
    return owned && w->pg->n_targets < 2 ? 0 : JVMTI_VISIT_OBJECTS;
}

/* Tags the leaf classes (LEAF_CLASSES) as such. They are bootstrap classes, never owned; a
 * class missing here only goes on being visited. */
static int tag_leaves(struct ml_search *s)
{
    JNIEnv *jni = s->jni;

    for (size_t i = 0; i < sizeof(LEAF_CLASSES) / sizeof(LEAF_CLASSES[0]); i++) {
        jclass cls = (*jni)->FindClass(jni, LEAF_CLASSES[i]);
        uint64_t tag;
        bool ok;

        if (cls == NULL) {
            ml_jni_clear(jni);
            continue;
        }
        tag = ml_pg_add_class(s->pg, ML_ID_NONE, ML_PG_NO_TARGET);
        ok = tag != 0 && ml_jvmti_ok((*s->env)->SetTag(s->env, cls, (jlong)(tag | ML_PG_LEAF)),
                                     ML_ON_ERROR_INFO, "path search: SetTag(leaf class) failed");
        (*jni)->DeleteLocalRef(jni, cls);
        if (!ok)
            return tag == 0 ? ML_ERR_NOMEM : ML_ERR_JVM;
    }
    return ML_OK;
}

/* Step 1a: tags every loaded class. Owned classes carry the searched loader's index (the
 * classes of the loaders a searched loader owns too: refpath.c). A hidden class that no
 * searched loader owns is tagged ML_PG_PLAIN: it is no anchor (pathgraph.h). */
int ml_refwalk_tag_classes(struct ml_search *s)
{
    JNIEnv *jni = s->jni;
    jclass *classes = NULL;
    jclass ref_cls = NULL, thread_cls = NULL, class_cls = NULL;
    jint n = 0;
    jvmtiError err = (*s->env)->GetLoadedClasses(s->env, &n, &classes);
    int rc = ML_OK;

    if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: GetLoadedClasses failed"))
        return ML_ERR_JVM;
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
        jlong own = 0;

        if (rc == ML_OK) {
            struct ml_loader *l = ml_track_defining_loader(s->main, jni, classes[i]);

            if (l != NULL) {
                loader_id = l->id;
                if (l->search_idx >= 0)
                    target = l->search_idx;
            }
            /* The agent tags the hidden classes it saw prepared (tracking.c). */
            if (!ml_jvmti_ok((*s->main)->GetTag(s->main, classes[i], &own), ML_ON_ERROR_SKIP,
                             "GetTag(class)"))
                own = 0;
        }
        if (rc == ML_OK) {
            tag = ml_pg_add_class(s->pg, loader_id, target);
            if (tag == 0) {
                rc = ML_ERR_NOMEM;
            } else {
                if (ref_cls != NULL && (*jni)->IsAssignableFrom(jni, classes[i], ref_cls))
                    tag |= ML_PG_REFERENCE;
                if (thread_cls != NULL &&
                    (*jni)->IsAssignableFrom(jni, classes[i], thread_cls))
                    tag |= ML_PG_THREAD_CLASS;
                /* Every tag makes every reference of the walk slower (the JVM looks up the
                 * tag of each referred object and of its class): only the classes whose tag
                 * the walk reads are tagged. Other classes met on a chain become plain nodes
                 * (a system class ends its chain with a system-class root). */
                if (class_cls != NULL && (*jni)->IsSameObject(jni, classes[i], class_cls))
                    tag |= ML_PG_MIRROR;
                if (target < 0 && ((uint64_t)own & ML_TAG_HIDDEN) != 0)
                    tag |= ML_PG_PLAIN;
                err = JVMTI_ERROR_NONE;
                if (target >= 0 || (tag & (ML_PG_REFERENCE | ML_PG_THREAD_CLASS | ML_PG_MIRROR |
                                           ML_PG_PLAIN)) != 0)
                    err = (*s->env)->SetTag(s->env, classes[i], (jlong)tag);
                if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: SetTag(class) failed"))
                    rc = ML_ERR_JVM;
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
    ml_jvmti_free(s->env, classes);
    if (rc == ML_OK)
        rc = tag_leaves(s);
    return rc;
}

/* Step 1b: tags every live thread and keeps its name; the locals of our own thread and of
 * shutdown hooks parked in our ThreadStart callback (ml_events_parked) are ignored. */
int ml_refwalk_tag_threads(struct ml_search *s)
{
    JNIEnv *jni = s->jni;
    jthread *threads = NULL, self = NULL;
    jint n = 0;
    jvmtiError err = (*s->env)->GetAllThreads(s->env, &n, &threads);
    int rc = ML_OK;

    if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: GetAllThreads failed"))
        return ML_ERR_JVM;
    if (!ml_jvmti_ok((*s->env)->GetCurrentThread(s->env, &self), ML_ON_ERROR_SKIP,
                     "GetCurrentThread"))
        self = NULL;
    s->thread_names = calloc((size_t)n + 1, sizeof(*s->thread_names));
    if (s->thread_names == NULL)
        rc = ML_ERR_NOMEM;
    for (jint i = 0; i < n; i++) {
        bool mine = (self != NULL && (*jni)->IsSameObject(jni, threads[i], self)) ||
                    ml_events_parked(s->main, threads[i]);
        uint64_t tag = rc == ML_OK ? ml_pg_add_thread(s->pg, mine) : 0;
        jvmtiThreadInfo ti;

        if (rc == ML_OK && tag == 0)
            rc = ML_ERR_NOMEM;
        if (rc == ML_OK) {
            err = (*s->env)->SetTag(s->env, threads[i], (jlong)tag);
            if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: SetTag(thread) failed"))
                rc = ML_ERR_JVM;
        }
        memset(&ti, 0, sizeof(ti));
        if (rc == ML_OK &&
            ml_jvmti_ok((*s->env)->GetThreadInfo(s->env, threads[i], &ti), ML_ON_ERROR_SKIP,
                        "GetThreadInfo")) {
            s->thread_names[ML_PG_IDX(tag)] = ti.name != NULL ? strdup(ti.name) : NULL;
            s->n_thread_names = ML_PG_IDX(tag) + 1;
            ml_jvmti_free(s->env, ti.name);
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
    ml_jvmti_free(s->env, threads);
    return rc;
}

/* Step 1c: tags the searched loader objects (those still alive). */
int ml_refwalk_tag_targets(struct ml_search *s)
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
            /* An untagged class (ctag 0) only leaves the node's class unknown. */
            ml_jvmti_ok((*s->env)->GetTag(s->env, cls, &ctag), ML_ON_ERROR_SKIP, "GetTag(class)");
            (*jni)->DeleteLocalRef(jni, cls);
        }
        tag = ml_pg_add_target(s->pg, (int32_t)t,
                               ML_PG_KIND((uint64_t)ctag) == ML_PG_KIND_CLASS
                                   ? ML_PG_IDX((uint64_t)ctag) : UINT32_MAX);
        err = tag == 0 ? JVMTI_ERROR_OUT_OF_MEMORY : (*s->env)->SetTag(s->env, obj, (jlong)tag);
        (*jni)->DeleteLocalRef(jni, obj);
        if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: SetTag(loader) failed"))
            return ML_ERR_JVM;
    }
    return ML_OK;
}

/* Step 1d: the objects the agent holds with JNI global references (management beans): a
 * JNI global root to one of them is ours, not the application's. */
int ml_refwalk_tag_own_globals(struct ml_search *s)
{
    jobject objs[MAX_OWN_GLOBALS];
    size_t n = ml_mgmt_own_globals(objs, MAX_OWN_GLOBALS);

    n += ml_metaspace_own_globals(objs + n, MAX_OWN_GLOBALS - n);
    n += ml_mbean_own_globals(objs + n, MAX_OWN_GLOBALS - n);
    for (size_t i = 0; i < n; i++) {
        jlong old = 0, ctag = 0;
        jclass cls;
        uint64_t tag;

        if (objs[i] == NULL ||
            !ml_jvmti_ok((*s->env)->GetTag(s->env, objs[i], &old), ML_ON_ERROR_SKIP,
                         "GetTag(own global)") ||
            old != 0)
            continue;
        cls = (*s->jni)->GetObjectClass(s->jni, objs[i]);
        if (cls != NULL) {
            /* An untagged class (ctag 0) only leaves the node's class unknown. */
            ml_jvmti_ok((*s->env)->GetTag(s->env, cls, &ctag), ML_ON_ERROR_SKIP, "GetTag(class)");
            (*s->jni)->DeleteLocalRef(s->jni, cls);
        }
        tag = ml_pg_add_own_global(s->pg, ML_PG_KIND((uint64_t)ctag) == ML_PG_KIND_CLASS
                                              ? ML_PG_IDX((uint64_t)ctag) : UINT32_MAX);
        if (tag == 0 || !ml_jvmti_ok((*s->env)->SetTag(s->env, objs[i], (jlong)tag),
                                     ML_ON_ERROR_DEBUG, "path search: SetTag(own global)"))
            return ML_ERR_NOMEM;
    }
    return ML_OK;
}

/* The class of every node of the frontier (after ml_pg_focus), when there is one: a local
 * reference, or NULL. The frontier's objects are held only while their classes are read. */
static jclass frontier_class(struct ml_search *s)
{
    JNIEnv *jni = s->jni;
    uint64_t tags[FILTER_MAX_NODES];
    uint32_t n = ml_pg_frontier(s->pg, tags, FILTER_MAX_NODES);
    jobject *objs = NULL;
    jclass cls = NULL;
    jint count = 0;
    bool same = true;

    if (n == 0 || n > FILTER_MAX_NODES ||
        !ml_jvmti_ok((*s->env)->GetObjectsWithTags(s->env, (jint)n, (const jlong *)tags, &count,
                                                   &objs, NULL),
                     ML_ON_ERROR_DEBUG, "path search: GetObjectsWithTags(frontier)"))
        return NULL;
    for (jint i = 0; i < count; i++) {
        jclass c = (*jni)->GetObjectClass(jni, objs[i]);

        if (cls == NULL) {
            cls = c;
        } else {
            same = same && c != NULL && (*jni)->IsSameObject(jni, c, cls);
            if (c != NULL)
                (*jni)->DeleteLocalRef(jni, c);
        }
        (*jni)->DeleteLocalRef(jni, objs[i]);
    }
    ml_jvmti_free(s->env, objs);
    if (!same && cls != NULL) {
        (*jni)->DeleteLocalRef(jni, cls);
        cls = NULL;
    }
    return cls;
}

void ml_refwalk_note_deferral(struct ml_search *s, const struct ml_walk_plan *plan, bool cut)
{
    s->deferral.cut = cut;
    s->deferral.heap_bytes = plan->heap_bytes;
    s->deferral.predicted_ns = ml_walkrate_predict(ml_walkcap_rate(), plan->heap_bytes, false);
    s->deferral.unwind_ns = ml_walkrate_unwind(ml_walkcap_rate(), plan->heap_bytes);
}

/* Step 2: the walks. Returns the status for the loaders without a path: deferred when the cap
 * stopped the walks (a walk cut at it, or one predicted longer), budget-exceeded at the
 * deadline. */
enum ml_path_status ml_refwalk_walk(struct ml_search *s, const struct ml_walk_limits *lim,
                                    unsigned *walks)
{
    jvmtiHeapCallbacks cb;
    struct walk w;
    bool *found = calloc((size_t)s->n_targets + 1, sizeof(*found));
    enum ml_path_status status = ML_PATH_BUDGET;  /* unless a walk says otherwise */

    s->walks_filtered = 0;
    if (found == NULL)
        return ML_PATH_FAILED;
    memset(&cb, 0, sizeof(cb));
    cb.heap_reference_callback = on_reference;
    memset(&w, 0, sizeof(w));
    w.pg = s->pg;
    for (*walks = 0; *walks < MAX_PASSES;) {
        jclass filter = *walks > 0 ? frontier_class(s) : NULL;
        struct ml_walk_plan plan;
        enum ml_walk_go go = ml_walkcap_plan(s->jni, lim, filter != NULL, &plan);
        enum ml_walk_end end;
        jvmtiError err;

        if (go != ML_WALK_GO) {
            if (filter != NULL)
                (*s->jni)->DeleteLocalRef(s->jni, filter);
            ml_refwalk_note_deferral(s, &plan, false);
            status = go == ML_WALK_OVER_CAP ? ML_PATH_DEFERRED : ML_PATH_BUDGET;
            break;
        }
        ml_pg_begin_pass(s->pg);
        w.stop_ns = plan.stop_ns;
        w.aborted_ns = 0;
        w.visited = 0;
        w.refs = 0;
        w.ref_bytes = 0;
        w.leaf_bytes = 0;
        w.calls = 0;
        w.cut = false;
        w.roots_done = false;
        w.early = false;
        err = (*s->env)->FollowReferences(s->env, 0, plan.filtered ? filter : NULL, NULL, &cb,
                                          &w);
        if (filter != NULL)
            (*s->jni)->DeleteLocalRef(s->jni, filter);
        (*walks)++;
        s->walks_filtered += plan.filtered;
        end = err != JVMTI_ERROR_NONE ? ML_WALK_FAILED
              : w.cut                 ? ML_WALK_CUT
              : w.early               ? ML_WALK_EARLY
                                      : ML_WALK_COMPLETE;
        ml_walkcap_done(&plan, end, progress(&w), w.aborted_ns);
        if (!ml_jvmti_ok(err, ML_ON_ERROR_INFO, "path search: FollowReferences failed")) {
            status = ML_PATH_FAILED;
            break;
        }
        /* A first walk that reported every reference says which targets are strongly
         * reachable at all (pathgraph.h). */
        if (*walks == 1)
            s->reach_known = !w.cut;
        if (ml_pg_solve(s->pg, found) == s->n_targets) {
            status = ML_PATH_FOUND;
            break;
        }
        if (w.cut) {
            ml_refwalk_note_deferral(s, &plan, true);
            status = plan.capped ? ML_PATH_DEFERRED : ML_PATH_BUDGET;
            break;
        }
        if (s->pg->full || s->pg->nomem)
            break; /* budget */
        if (s->pg->new_nodes == 0 || ml_pg_focus(s->pg) == 0) {
            status = ML_PATH_NOT_FOUND; /* a complete walk left nothing more to look for */
            break;
        }
    }
    for (uint32_t t = 0; t < s->n_targets; t++)
        s->targets[t].found = found[t];
    free(found);
    return status;
}
