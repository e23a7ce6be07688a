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
 * hold the registry lock.
 *
 * How long they may stop it depends on who wants the search (enum mode):
 *   - automatic (a loader turned leaked, or a closed loader is due for its proof): no walk
 *     longer than max_pause. A walk that reaches it is cut, and one predicted longer from the
 *     walk rate learnt so far (walkcap.h) is not started; the loaders then get path_status
 *     "deferred", with the reason and the rate in the report;
 *   - asked for (metaleak attach, a Metaspace OutOfMemoryError): walks as long as path_budget
 *     allows;
 *   - at exit (the shutdown checkpoint, VM death): within path_budget and the exit budget
 *     (exitbudget.h), whichever ends first. */
#include "refpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"
#include "metaleak/cause.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/leakid.h"
#include "metaleak/log.h"
#include "exitbudget.h"
#include "refhooks.h"
#include "refname.h"
#include "refsearch.h"
#include "refthrough.h"
#include "mgmt.h"
#include "refwalk.h"
#include "state.h"
#include "walkcap.h"

#define MAX_TARGETS 256          /* loaders served by one search; the rest wait for the next */
#define MAX_NODES 200000         /* objects tagged by one search */
#define MAX_EDGES 400000         /* references recorded by one search */
#define SEARCH_GAP_MS 30000      /* automatic path searches at least this far apart... */
#define SEARCH_GAP_FACTOR 20     /* ...and at least 20 times their own duration */

#define NS_PER_MS 1000000LL

/* Who wants a search, which sets how long its walks may stop the JVM (see the top). */
enum mode { MODE_AUTO, MODE_ASKED, MODE_EXIT };

/* Worker thread only. */
static uint64_t searches;              /* reference-path searches run */
static uint64_t heap_walks;            /* heap walks they made */
static uint64_t deferred_searches;     /* automatic searches max_pause deferred */
static int64_t last_search_ms = -1;    /* duration of the last search, -1 none */
static int64_t last_search_end_ms = -1; /* when it ended (ms since JVM start), -1 none */
static int64_t estimate_ms = -1;       /* a whole walk's predicted length at the last look */
static char deferred_reason[512];      /* why the last deferral happened, "" none */

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
 *     whether it is held, in use or not held, before the verdict settles; once an automatic
 *     search for it was deferred (max_pause) it starts one like a leaked loader (30 s apart),
 *     and its verdict settles by the close's age meanwhile;
 *   - it is leaked and has no path yet: it starts a search when it was never searched, or its
 *     search was deferred (max_pause); after a search found no chain, ran out of budget or
 *     failed, it only rides along with a search that runs for another loader (starting
 *     searches for it would walk the heap every 30 s for a chain that may not exist);
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
        return l->path_status == ML_PATH_DEFERRED && !final ? STARTS_SEARCH : DECIDES;
    if (v->state == ML_STATE_LEAKED && l->path_status != ML_PATH_FOUND)
        return l->path_status == ML_PATH_NOT_SEARCHED || l->path_status == ML_PATH_DEFERRED
                   ? STARTS_SEARCH
                   : RIDES_ALONG;
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
    uint64_t *leaked = ml_refthrough_leaked_ids(reg, &n_leaked);

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
        /* A chain through another leak: cause, advice, signature and known leak named again
         * (refname.c named them without knowing the other loader had leaked). */
        if (found && ml_refthrough_mark(&paths[t], l->id, leaked, n_leaked) &&
            ml_path_identify(&paths[t], ml_known_builtin()) != ML_OK)
            found = false;
        /* A walk cut at max_pause saw only part of the heap: a chain from a thread's stack (or
         * one ending at the loader object one step early) may hide a durable chain through what
         * it did not see (a thread's context loader, found on a Flink TaskManager after the
         * stack of the same thread). Not stored: the loader stays deferred for the search that
         * is asked for or comes at exit. */
        if (found && rest == ML_PATH_DEFERRED && !s->pg->durable[t]) {
            found = false;
            hold = ML_HOLD_UNKNOWN;
        }
        /* A deferred search did not look: a closed loader stays due for its proof (at exit). */
        if (found || rest != ML_PATH_DEFERRED)
            l->path_searched_ms = now;
        if (found) {
            ml_path_clear(&l->path);
            l->path = paths[t];
            memset(&paths[t], 0, sizeof(paths[t]));
            l->path_status = ML_PATH_FOUND;
            (*n_found)++;
        } else if (rest == ML_PATH_DEFERRED && l->path_status != ML_PATH_NOT_SEARCHED &&
                   l->path_status != ML_PATH_DEFERRED) {
            /* It rode along after a search of its own ended without a chain: it keeps that
             * status, and goes on riding along only. */
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

/* The limits of a search's walks, from now (see the top). */
static struct ml_walk_limits limits(enum mode mode, int64_t t0_ms)
{
    const struct ml_options *o = ml_opts();
    int64_t now_ms = ml_clock_ms(), now_ns = ml_walkcap_now_ns();
    int64_t end_ms = t0_ms + (int64_t)o->path_budget_ms;
    struct ml_walk_limits lim;

    if (mode == MODE_EXIT && ml_exit_work_deadline_ms() < end_ms)
        end_ms = ml_exit_work_deadline_ms();
    lim.deadline_ns = now_ns + (end_ms - now_ms) * NS_PER_MS;
    lim.cap_ns = mode == MODE_AUTO ? (int64_t)o->max_pause_ms * NS_PER_MS : 0;
    return lim;
}

/* Says why the walks of an automatic search were deferred (d: the walk max_pause stopped). */
static void note_deferral(const struct ml_deferral *d)
{
    const struct ml_options *o = ml_opts();
    char why[280];
    bool first = deferred_reason[0] == '\0';
    long long heap_mb = (long long)(d->heap_bytes / 1000000);

    estimate_ms = d->predicted_ns < 0 ? -1 : d->predicted_ns / NS_PER_MS;
    if (o->max_pause_ms == 0)
        snprintf(why, sizeof(why), "max_pause=0: no heap walk unless asked for");
    else if (estimate_ms < 0)
        snprintf(why, sizeof(why),
                 "not started: even a walk cut at once may pause this heap (%lld MB used) for "
                 "about %lld ms while the JVM undoes it (not measured here yet), near or over "
                 "max_pause (%u ms)",
                 heap_mb, (long long)(d->unwind_ns / NS_PER_MS), o->max_pause_ms);
    else
        snprintf(why, sizeof(why),
                 "%s a whole heap walk takes about %lld ms here (%lld MB of heap at %.0f MB/s, "
                 "measured), more than max_pause (%u ms)",
                 d->cut ? "a heap walk was cut at max_pause:" : "not started:",
                 (long long)estimate_ms, heap_mb, ml_walkrate_mb_per_s(ml_walkcap_rate()),
                 o->max_pause_ms);
    snprintf(deferred_reason, sizeof(deferred_reason),
             "%s; the search runs when asked for (metaleak attach), at a Metaspace "
             "OutOfMemoryError, or at exit within exit_budget (%u ms)",
             why, o->exit_budget_ms);
    deferred_searches++;
    ml_log(first ? ML_LOG_INFO : ML_LOG_DEBUG, "path search deferred: %s", deferred_reason);
}

/* An automatic search that max_pause defers before any work (max_pause=0, or the walk rate learnt
 * so far says its first walk would pause longer, walkcap.h). Every due loader gets "deferred"
 * (under reg_lock). */
static bool defer_before_search(JNIEnv *jni, int64_t now)
{
    struct ml_registry *reg = ml_reg();
    struct ml_deferral d = {false, -1, 0, -1};
    int64_t proof_ms = proof_after_ms();

    if (ml_opts()->max_pause_ms > 0) {
        struct ml_walk_limits lim = limits(MODE_AUTO, now);
        struct ml_walk_plan plan;

        if (ml_walkcap_plan(jni, &lim, false, &plan) == ML_WALK_GO)
            return false;
        d.heap_bytes = plan.heap_bytes;
        d.predicted_ns = plan.predicted_ns;
        d.unwind_ns = plan.unwind_ns;
    }
    if (!ml_reg_lock())
        return true;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        enum eligibility e = eligibility(l, now, proof_ms, false);

        if (e != STARTS_SEARCH && e != DECIDES)
            continue;
        l->path_status = ML_PATH_DEFERRED;
    }
    ml_reg_unlock();
    note_deferral(&d);
    last_search_end_ms = now;
    return true;
}

static int search(JNIEnv *jni, const char *why, enum mode mode, bool final, unsigned *proven,
                  unsigned *found, unsigned *withdrawn)
{
    JavaVM *vm = ml_vm();
    struct ml_search s;
    struct ml_path *paths = NULL;
    struct ml_walk_limits lim;
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
    s.deferral.predicted_ns = -1;
    s.deferral.heap_bytes = -1;
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
        /* Naming the hooks costs two short walks of the roots, each of which the JVM undoes
         * over the whole heap on some versions (walkrate.h): only when time is left for them. */
        lim = limits(mode, t0);
        if (lim.deadline_ns - ml_walkcap_now_ns() >
            3 * ml_walkrate_unwind(ml_walkcap_rate(), ml_walkcap_heap_used(jni)))
            ml_refhooks_find(&s);
        rc = ml_refwalk_tag_targets(&s);
    }
    if (rc == ML_OK)
        rc = ml_refwalk_tag_own_globals(&s);
    if (rc == ML_OK) {
        lim = limits(mode, t0);
        rest = ml_refwalk_walk(&s, &lim, &walks);
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
    ml_log(ML_LOG_DEBUG,
           "path search (%s): %u loaders, %u heap walks (%u with a class filter), %u objects "
           "tagged, %lld ms, %s",
           why, s.n_targets, walks, s.walks_filtered, s.pg != NULL ? s.pg->n_nodes : 0u,
           (long long)took, ml_path_status_name(rest));
    if (rest == ML_PATH_DEFERRED)
        note_deferral(&s.deferral);
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
    enum mode mode = MODE_EXIT;

    *proven = 0;
    *withdrawn = 0;
    if (!ml_opts()->paths)
        return 0;
    due = search_due(now, final);
    if (due == NOT_ELIGIBLE)
        return 0;
    if ((req & ML_REQ_CHECKPOINT) != 0) {
        why = "shutdown checkpoint";
    } else if ((req & ML_REQ_SHUTDOWN) != 0) {
        why = "exit";
    } else if ((req & ML_REQ_OOM) != 0) {
        why = "metaspace-oom";
        mode = MODE_ASKED;
    } else if ((req & ML_REQ_REPORT) != 0) {
        why = "request";
        mode = MODE_ASKED;
    } else if (last_search_end_ms >= 0 &&
               ((due != DECIDES && now - last_search_end_ms < SEARCH_GAP_MS) ||
                now - last_search_end_ms < SEARCH_GAP_FACTOR * last_search_ms)) {
        return 0; /* a verdict waiting for it keeps only the duty-cycle bound */
    } else {
        if (due == DECIDES)
            why = "verdict";
        mode = MODE_AUTO;
        if (defer_before_search(jni, now))
            return 0;
    }
    if (mode == MODE_EXIT && ml_exit_work_deadline_ms() <= ml_clock_ms()) {
        ml_log(ML_LOG_DEBUG, "path search (%s) skipped: exit_budget spent", why);
        return 0;
    }
    search(jni, why, mode, final, proven, &found, withdrawn);
    return found;
}

void ml_refpath_stats(struct ml_refpath_stats *out)
{
    const struct ml_walkrate *r = ml_walkcap_rate();

    out->searches = searches;
    out->heap_walks = heap_walks;
    out->last_search_ms = last_search_ms;
    out->deferred_searches = deferred_searches;
    out->walks_cut = r->cut;
    out->walks_filtered = r->filtered;
    out->longest_walk_ms = r->longest_ns < 0 ? -1 : r->longest_ns / NS_PER_MS;
    out->walk_rate_mb_per_s = ml_walkrate_mb_per_s(r);
    out->walk_estimate_ms = estimate_ms;
    out->deferred_reason = deferred_reason[0] != '\0' ? deferred_reason : NULL;
}
