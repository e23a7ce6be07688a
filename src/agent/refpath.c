/* The reference-path search: why is a leaked loader still alive?
 *
 * One search serves every loader that needs a path (the eligibility rule below). It runs on the
 * worker thread in a throw-away JVMTI environment, so that its tags (every class, every thread,
 * the path objects) vanish with DisposeEnvironment and never mix with the agent's own tags:
 *   1. tag every loaded class, every live thread and every searched loader object (refwalk.c),
 *      and, at exit, find the shutdown hooks the JVM is running (refhooks.c);
 *   2. walk the heap with FollowReferences, backwards one step per walk (refwalk.c,
 *      pathgraph.h), until every searched loader has a chain, nothing new turns up, or the time
 *      budget ends;
 *   3. fetch the objects of the chains and name what a person needs (refname.c);
 *   4. classify the cause (cause.c) and store the path in the loader's record (here).
 * The walks stop the world; they run only when a search is due (rate-limited below), and never
 * hold the registry lock. */
#include "refpath.h"

#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"
#include "metaleak/cause.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/leakid.h"
#include "metaleak/log.h"
#include "refhooks.h"
#include "refname.h"
#include "refsearch.h"
#include "mgmt.h"
#include "refwalk.h"
#include "state.h"

#define MAX_TARGETS 256          /* loaders served by one search; the rest wait for the next */
#define MAX_NODES 200000         /* objects tagged by one search */
#define MAX_EDGES 400000         /* references recorded by one search */
#define SEARCH_GAP_MS 30000      /* automatic path searches at least this far apart... */
#define SEARCH_GAP_FACTOR 20     /* ...and at least 20 times their own duration */

/* Worker thread only. */
static uint64_t searches;              /* reference-path searches run */
static uint64_t heap_walks;            /* heap walks they made */
static int64_t last_search_ms = -1;    /* duration of the last search, -1 none */
static int64_t last_search_end_ms = -1; /* when it ended (ms since JVM start), -1 none */

/* Whether a loader takes part in a reference-path search, and whether it starts one. */
enum eligibility {
    NOT_ELIGIBLE,
    RIDES_ALONG,                 /* searched when a search runs, but does not start one */
    STARTS_SEARCH,               /* a search is due for it */
    DECIDES,                     /* a verdict waits for the search: due sooner (below) */
};

/* The one search-eligibility rule. A loader whose object may still exist (it has a weak
 * reference) takes part in a search when
 *   - it is a candidate (closed, alive after the collections; verdict.h): the search decides
 *     whether it is held, in use or not held, before the verdict settles;
 *   - it is leaked and has no path yet: it starts a search when it was never searched; after a
 *     search found no chain, ran out of budget or failed, it only rides along with a search
 *     that runs for another loader (starting searches for it would walk the heap every 30 s
 *     for a chain that may not exist);
 *   - at the shutdown checkpoint and at exit (`final`), it is closed and was in use at its last
 *     search: the final verdicts see whether that thread let go;
 *   - or it is closed and not yet proven (a SafetyNet wrapper never is: it holds no classes),
 *     path_proof_after is on, the close is at least that old and so is its last search: a
 *     chain from a durable root would be its proof. It starts a search.
 * Loader records are read under the registry lock. */
static enum eligibility eligibility(const struct ml_loader *l, int64_t now, int64_t proof_ms,
                                    bool final)
{
    const struct ml_verdict *v = &l->verdict;

    if (l->handle == NULL)
        return NOT_ELIGIBLE;
    if (v->state == ML_STATE_CLOSED && v->candidate)
        return DECIDES;
    if (v->state == ML_STATE_LEAKED && l->path_status != ML_PATH_FOUND)
        return l->path_status == ML_PATH_NOT_SEARCHED ? STARTS_SEARCH : RIDES_ALONG;
    if (final && v->state == ML_STATE_CLOSED && v->hold == ML_HOLD_STACK)
        return STARTS_SEARCH;
    if (v->state == ML_STATE_CLOSED && l->role != ML_ROLE_WRAPPER && proof_ms > 0 &&
        now - v->closed_ms >= proof_ms &&
        (l->path_searched_ms < 0 || now - l->path_searched_ms >= proof_ms))
        return STARTS_SEARCH;
    return NOT_ELIGIBLE;
}

static int64_t proof_after_ms(void)
{
    return (int64_t)ml_opts()->path_proof_after_s * 1000;
}

struct by_id {
    uint64_t id;
    struct ml_loader *l;
};

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = ((const struct by_id *)a)->id, y = ((const struct by_id *)b)->id;

    return x < y ? -1 : x > y;
}

/* Loaders whose parent chain leads to a searched loader belong to it (search_idx): a
 * reflection accessor's or a serialization constructor's DelegatingClassLoader, created by the
 * JDK under a job's loader, lives and dies with it, so its classes are the job's objects, not
 * anchors. Registry lock held. */
static void own_descendants(struct ml_registry *reg, uint32_t in_use)
{
    struct by_id *ids = malloc(((size_t)in_use + 1) * sizeof(*ids));
    size_t n = 0;

    if (ids == NULL)
        return; /* the helpers then anchor chains, as before */
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && n <= in_use;
         l = ml_registry_next(reg, l))
        ids[n++] = (struct by_id){l->id, l};
    qsort(ids, n, sizeof(*ids), cmp_id);
    for (size_t i = 0; i < n; i++) {
        struct ml_loader *l = ids[i].l;
        uint64_t parent = l->parent_id;

        /* depth-bounded: a cycle in recorded parents must not hang the worker */
        for (int depth = 0; l->search_idx < 0 && parent != ML_ID_NONE && parent != 0 &&
                            depth < 64; depth++) {
            struct by_id key = {parent, NULL};
            const struct by_id *p = bsearch(&key, ids, n, sizeof(*ids), cmp_id);

            if (p == NULL)
                break;
            if (p->l->search_idx >= 0)
                l->search_idx = p->l->search_idx;
            parent = p->l->parent_id;
        }
    }
    free(ids);
}

/* Picks the loaders of a search: every eligible one, up to MAX_TARGETS (the rest wait for the
 * next search); then the loaders they own. Registry lock held. */
static uint32_t pick_targets(struct ml_search *s, int64_t now, bool final)
{
    struct ml_registry *reg = ml_reg();
    struct ml_registry_stats st;
    int64_t proof_ms = proof_after_ms();

    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        l->search_idx = -1;
        if (eligibility(l, now, proof_ms, final) == NOT_ELIGIBLE || s->n_targets >= MAX_TARGETS)
            continue;
        l->search_idx = (int32_t)s->n_targets;
        s->targets[s->n_targets++].rec = l;
    }
    if (s->n_targets > 0) {
        ml_registry_stats(reg, &st);
        own_descendants(reg, st.in_use);
    }
    return s->n_targets;
}

/* The strongest eligibility of any loader (NOT_ELIGIBLE: no search is due). Takes the registry
 * lock. */
static enum eligibility search_due(int64_t now, bool final)
{
    struct ml_registry *reg = ml_reg();
    int64_t proof_ms = proof_after_ms();
    enum eligibility most = NOT_ELIGIBLE;

    if (!ml_opts()->paths)
        return NOT_ELIGIBLE;
    if (!ml_reg_lock())
        return NOT_ELIGIBLE;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && most != DECIDES;
         l = ml_registry_next(reg, l)) {
        enum eligibility e = eligibility(l, now, proof_ms, final);

        if (e > most && e != RIDES_ALONG)
            most = e;
    }
    ml_reg_unlock();
    return most;
}

static void free_search(struct ml_search *s)
{
    for (uint32_t i = 0; i < s->n_hooks; i++)
        (*s->jni)->DeleteWeakGlobalRef(s->jni, s->hooks[i]);
    for (uint32_t i = 0; i < s->n_thread_names; i++)
        free(s->thread_names[i]);
    free(s->thread_names);
    ml_pg_free(s->pg);
    free(s->targets);
}

/* What the search says about target t: what its chain says (ml_path_hold; only stack chains
 * decide only when the walks were complete), no strong reference at all (decided only when the
 * first walk was complete), or nothing decided. */
static enum ml_hold hold_of(const struct ml_search *s, uint32_t t, const struct ml_path *path,
                            enum ml_path_status rest)
{
    if (path->n_steps > 0 && path->cause != ML_CAUSE_NONE) {
        enum ml_hold h = ml_path_hold(path);

        return h == ML_HOLD_STACK && rest != ML_PATH_NOT_FOUND ? ML_HOLD_UNKNOWN : h;
    }
    if (rest == ML_PATH_NOT_FOUND && s->reach_known && !s->pg->reachable[t])
        return ML_HOLD_NONE;
    return ML_HOLD_UNKNOWN;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The ids of the leaked loaders, sorted (malloc, the caller frees; NULL when none or out of
 * memory). Registry lock held. */
static uint64_t *leaked_ids(struct ml_registry *reg, size_t *n)
{
    uint64_t *ids = NULL, *grown;
    size_t cap = 0;

    *n = 0;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        if (!l->verdict.leaked)
            continue;
        if (*n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            grown = realloc(ids, cap * sizeof(*ids));
            if (grown == NULL) {
                free(ids);
                *n = 0;
                return NULL;
            }
            ids = grown;
        }
        ids[(*n)++] = l->id;
    }
    if (ids != NULL)
        qsort(ids, *n, sizeof(*ids), cmp_u64);
    return ids;
}

/* Marks the steps of a path owned by a leaked loader that was not searched this time (its path
 * was found before): the chain runs through that leak. Returns true when it marked a step. */
static bool mark_through_leaks(struct ml_path *p, uint64_t self, const uint64_t *leaked,
                               size_t n_leaked)
{
    bool marked = false;

    for (size_t i = 0; i < p->n_steps && n_leaked > 0; i++) {
        struct ml_step *st = &p->steps[i];

        if (st->owned || st->owned_by != 0 || st->loader_id == UINT64_MAX ||
            st->loader_id == 0 || st->loader_id == self)
            continue;
        if (bsearch(&st->loader_id, leaked, n_leaked, sizeof(*leaked), cmp_u64) != NULL) {
            st->owned_by = st->loader_id;
            marked = true;
        }
    }
    return marked;
}

static const char *stack_thread(const struct ml_path *p)
{
    return p->n_steps > 0 ? p->steps[0].thread : NULL;
}

/* Step 4: stores what was found and what it means for the verdicts (under reg_lock). Returns
 * the loaders it proved leaked; *n_found counts the paths stored, *withdrawn the leak verdicts
 * taken back. */
static unsigned store(struct ml_search *s, struct ml_path *paths, enum ml_path_status rest,
                      int64_t took, int64_t now, unsigned *n_found, unsigned *withdrawn)
{
    struct ml_registry *reg = ml_reg();
    uint64_t full = ml_mgmt_full_gcs(s->jni);
    int64_t in_use_limit = proof_after_ms();
    unsigned proven = 0;
    size_t n_leaked = 0;
    uint64_t *leaked = leaked_ids(reg, &n_leaked);

    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        l->search_idx = -1;
    for (uint32_t t = 0; t < s->n_targets; t++) {
        struct ml_loader *l = s->targets[t].rec;
        struct ml_verdict *v = &l->verdict;
        bool found = paths[t].n_steps > 0 && paths[t].cause != ML_CAUSE_NONE;
        enum ml_hold hold = hold_of(s, t, &paths[t], rest);
        const char *before = v->hold == ML_HOLD_STACK ? stack_thread(&l->path) : NULL;
        bool same = before != NULL && stack_thread(&paths[t]) != NULL &&
                    strcmp(before, stack_thread(&paths[t])) == 0;
        int turned;

        l->path_search_ms = took;
        l->path_searched_ms = now;
        /* A chain through another leak: cause, advice, signature and known leak named again
         * (refname.c named them without knowing the other loader had leaked). */
        if (found && mark_through_leaks(&paths[t], l->id, leaked, n_leaked) &&
            ml_path_identify(&paths[t], ml_known_builtin()) != ML_OK)
            found = false;
        if (found) {
            ml_path_clear(&l->path);
            l->path = paths[t];
            memset(&paths[t], 0, sizeof(paths[t]));
            l->path_status = ML_PATH_FOUND;
            (*n_found)++;
        } else {
            /* All chains were found but this one could not be named: a failure. */
            l->path_status = rest == ML_PATH_FOUND ? ML_PATH_FAILED : rest;
        }
        turned = ml_verdict_held(v, hold, same, now, full, in_use_limit);
        if (turned > 0) {
            proven++;
            /* At debug level: the alert line (status.c) says the leak, with its cause. */
            ml_log(ML_LOG_DEBUG, "loader %llu (%s) leaked: %s", (unsigned long long)l->id,
                   l->class_name ? l->class_name : "?",
                   l->path.summary != NULL ? l->path.summary : "path found");
        } else if (turned < 0) {
            (*withdrawn)++;
            ml_log(ML_LOG_INFO, "loader %llu (%s): leak verdict withdrawn (%s)%s%s",
                   (unsigned long long)l->id, l->class_name ? l->class_name : "?",
                   ml_withdrawal_name(v->withdrawn), hold == ML_HOLD_STACK ? ": " : "",
                   hold == ML_HOLD_STACK && l->path.summary ? l->path.summary : "");
        }
    }
    free(leaked);
    return proven;
}

static int search(JNIEnv *jni, const char *why, bool final, unsigned *proven, unsigned *found,
                  unsigned *withdrawn)
{
    JavaVM *vm = ml_vm();
    struct ml_search s;
    struct ml_path *paths = NULL;
    jvmtiCapabilities caps;
    enum ml_path_status rest = ML_PATH_FAILED;
    int64_t t0 = ml_clock_ms(), took;
    unsigned walks = 0;
    jint jerr;
    int rc = ML_OK;

    *proven = 0;
    *found = 0;
    *withdrawn = 0;
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
    pick_targets(&s, t0, final);
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
    if (!ml_jvmti_ok((*s.env)->AddCapabilities(s.env, &caps), ML_ON_ERROR_SKIP,
                     "AddCapabilities(can_tag_objects)")) {
        ml_log(ML_LOG_INFO, "path search: can_tag_objects is not available");
        goto store;
    }
    if ((*jni)->PushLocalFrame(jni, 64) != 0) {
        ml_jni_clear(jni);
        goto store;
    }
    rc = ml_refwalk_tag_classes(&s);
    if (rc == ML_OK)
        rc = ml_refwalk_tag_threads(&s);
    if (rc == ML_OK) {
        ml_refhooks_find(&s);
        rc = ml_refwalk_tag_targets(&s);
    }
    if (rc == ML_OK)
        rc = ml_refwalk_tag_own_globals(&s);
    if (rc == ML_OK) {
        rest = ml_refwalk_walk(&s, (int64_t)ml_opts()->path_budget_ms - (ml_clock_ms() - t0),
                               &walks);
        for (uint32_t t = 0; t < s.n_targets; t++) {
            if (!s.targets[t].found)
                continue;
            if (ml_refname_path(&s, (int32_t)t, &paths[t]) != ML_OK ||
                ml_refname_through_referent(&paths[t])) {
                ml_log(ML_LOG_DEBUG, "path search: chain of loader %llu dropped",
                       (unsigned long long)s.targets[t].rec->id);
                ml_path_clear(&paths[t]);
            }
        }
    }
    (*jni)->PopLocalFrame(jni, NULL);
store:
    if (s.env != NULL)
        ml_jvmti_ok((*s.env)->DisposeEnvironment(s.env), ML_ON_ERROR_DEBUG,
                    "path search: DisposeEnvironment");
    took = ml_clock_ms() - t0;
    ml_log(ML_LOG_DEBUG, "path search (%s): %u loaders, %u heap walks, %u objects tagged, %lld ms",
           why, s.n_targets, walks, s.pg != NULL ? s.pg->n_nodes : 0u, (long long)took);
    if (ml_reg_lock()) {
        if (paths != NULL)
            *proven = store(&s, paths, rest, took, ml_clock_ms(), found, withdrawn);
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

unsigned ml_refpath_search_if_due(JNIEnv *jni, unsigned req, unsigned *proven,
                                  unsigned *withdrawn)
{
    int64_t now = ml_clock_ms();
    unsigned found = 0;
    bool final = (req & (ML_REQ_CHECKPOINT | ML_REQ_SHUTDOWN)) != 0;
    enum eligibility due;
    const char *why = "leak";

    *proven = 0;
    *withdrawn = 0;
    if (!ml_opts()->paths)
        return 0;
    due = search_due(now, final);
    if (due == NOT_ELIGIBLE)
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
             ((due != DECIDES && now - last_search_end_ms < SEARCH_GAP_MS) ||
              now - last_search_end_ms < SEARCH_GAP_FACTOR * last_search_ms))
        return 0; /* a verdict waiting for it keeps only the duty-cycle bound */
    else if (due == DECIDES)
        why = "verdict";
    search(jni, why, final, proven, &found, withdrawn);
    return found;
}

void ml_refpath_stats(struct ml_refpath_stats *out)
{
    out->searches = searches;
    out->heap_walks = heap_walks;
    out->last_search_ms = last_search_ms;
}
