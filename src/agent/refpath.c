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
#include "metaleak/log.h"
#include "refhooks.h"
#include "refname.h"
#include "refsearch.h"
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
};

/* The one search-eligibility rule. A loader whose object may still exist (it has a weak
 * reference) takes part in a search when
 *   - it is leaked and has no path yet: it starts a search when it was never searched; after a
 *     search found no chain, ran out of budget or failed, it only rides along with a search
 *     that runs for another loader (starting searches for it would walk the heap every 30 s
 *     for a chain that may not exist);
 *   - or it is closed and not yet proven (a SafetyNet wrapper never is: it holds no classes),
 *     path_proof_after is on, the close is at least that old and so is its last search: a
 *     chain from a GC root would be its proof. It starts a search.
 * Loader records are read under the registry lock. */
static enum eligibility eligibility(const struct ml_loader *l, int64_t now, int64_t proof_ms)
{
    const struct ml_verdict *v = &l->verdict;

    if (l->handle == NULL)
        return NOT_ELIGIBLE;
    if (v->state == ML_STATE_LEAKED && l->path_status != ML_PATH_FOUND)
        return l->path_status == ML_PATH_NOT_SEARCHED ? STARTS_SEARCH : RIDES_ALONG;
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

/* Picks the loaders of a search: every eligible one, up to MAX_TARGETS (the rest wait for the
 * next search). Registry lock held. */
static uint32_t pick_targets(struct ml_search *s, int64_t now)
{
    struct ml_registry *reg = ml_reg();
    int64_t proof_ms = proof_after_ms();

    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        l->search_idx = -1;
        if (eligibility(l, now, proof_ms) == NOT_ELIGIBLE || s->n_targets >= MAX_TARGETS)
            continue;
        l->search_idx = (int32_t)s->n_targets;
        s->targets[s->n_targets++].rec = l;
    }
    return s->n_targets;
}

/* True when some loader starts a search. Takes the registry lock. */
static bool search_due(int64_t now)
{
    struct ml_registry *reg = ml_reg();
    int64_t proof_ms = proof_after_ms();
    bool any = false;

    if (!ml_opts()->paths)
        return false;
    if (!ml_reg_lock())
        return false;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && !any;
         l = ml_registry_next(reg, l))
        any = eligibility(l, now, proof_ms) == STARTS_SEARCH;
    ml_reg_unlock();
    return any;
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

/* Step 4: stores what was found (under reg_lock). Returns loaders proven leaked by a path. */
static unsigned store(struct ml_search *s, struct ml_path *paths, enum ml_path_status rest,
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
                ml_log(ML_LOG_DEBUG, "loader %llu (%s) leaked: %s",
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

static int search(JNIEnv *jni, const char *why, unsigned *proven, unsigned *found)
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
    pick_targets(&s, t0);
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

unsigned ml_refpath_search_if_due(JNIEnv *jni, unsigned req, unsigned *proven)
{
    int64_t now = ml_clock_ms();
    unsigned found = 0;
    const char *why = "leak";

    *proven = 0;
    if (!ml_opts()->paths || !search_due(now))
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
    search(jni, why, proven, &found);
    return found;
}

void ml_refpath_stats(struct ml_refpath_stats *out)
{
    out->searches = searches;
    out->heap_walks = heap_walks;
    out->last_search_ms = last_search_ms;
}
