/* A pass: one look of the worker at every loader record. It describes new loaders, turns
 * freed ones into unloaded, polls the closed flag of live ones, counts full collections for
 * closed ones and gives verdicts. Worker thread only; its state below is the worker's. */
#include "pass.h"

#include <string.h>

#include "exitbudget.h"
#include "inspect.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/registry.h"
#include "mgmt.h"
#include "state.h"

#define WRAPPER_SCAN_MS 120000  /* look for a user-code loader's wrapper this long */
/* A candidate (alive after the collections) is leaked only when its close is this old: a
 * thread that still used the loader when the collections ran (a task finishing its
 * bookkeeping, 0.3-1 s under load in the stress test, 2.5 s in tests/verdict) has let go by
 * then, and the loader is gone. A search, when one runs first, decides earlier (verdict.h). */
#define LEAK_SETTLE_MS 5000
#define POLLS_PER_PASS 10000    /* live loaders whose closed flag one pass reads, at most */

/* Worker thread only. */
static uint64_t closes_seen;           /* loaders seen closed so far */
static uint32_t live_url_loaders;      /* live loaders whose closed flag is polled */
static uint32_t poll_round;            /* passes so far (rotates the polled share) */
static bool poll_all;                  /* from the shutdown checkpoint on: poll every loader */
static int64_t last_pass_ms;           /* end of the last pass */
static int64_t checkpoint_end_ms = -1; /* end of the shutdown checkpoint, -1 before */

/* Returns true when unloading withdrew the loader's leak verdict. */
static bool unload(JNIEnv *jni, struct ml_loader *l, int64_t when)
{
    bool was_leaked = l->verdict.leaked, withdrawn;

    ml_verdict_unload(&l->verdict, when);
    withdrawn = was_leaked && !l->verdict.leaked;
    if (withdrawn)
        ml_log(ML_LOG_INFO, "loader %llu (%s): leak verdict withdrawn (unloaded before any "
               "search found what holds it)", (unsigned long long)l->id,
               l->class_name ? l->class_name : "?");
    if (l->handle != NULL) {
        (*jni)->DeleteWeakGlobalRef(jni, (jweak)l->handle);
        l->handle = NULL;
    }
    ml_registry_note_unloaded(ml_reg(), l);
    return withdrawn;
}

/* At debug level: the alert line (status.c) says the leak, with its cause. */
static void log_leak(const struct ml_loader *l)
{
    ml_log(ML_LOG_DEBUG,
           "loader %llu (%s@%x%s%s) leaked: closed at %lld ms, alive after %llu full collections",
           (unsigned long long)l->id, l->class_name ? l->class_name : "?", l->identity_hash,
           l->job_id[0] ? ", job " : "", l->job_id, (long long)l->verdict.closed_ms,
           (unsigned long long)l->verdict.gcs_since_close);
}

/* Full collections a closed loader must survive to be leaked. The first one after the close
 * is not counted: an object with a finalize() method keeps everything it references alive for
 * one more collection (Flink's SystemProcessingTimeService does this to every finished task's
 * user function, and so to the job's loader). A concurrent collector may have had a cycle
 * running at the close, so one more is needed there. */
static uint64_t needed_gcs(void)
{
    return ml_opts()->leak_gcs + 1u + (ml_mgmt_concurrent() ? 1u : 0u);
}

/* Lets the JVM's Finalizer thread run what the last collection queued, so that the next forced
 * collection frees what finalizable objects were holding: waits until no object is pending
 * finalization (MemoryMXBean), 50 ms at least and 2 s at most, never past the exit budget's
 * deadline. No new thread is started (at the shutdown checkpoint a new thread would wait for
 * the checkpoint itself). */
static void let_finalizers_run(JNIEnv *jni)
{
    int64_t most = ml_exit_work_deadline_ms() - ml_clock_ms();

    if (most > 2000)
        most = 2000;
    for (int waited = 0; waited < most; waited += 50) {
        ml_mail_nap(50);
        if (ml_mgmt_pending_finalization(jni) <= 0)
            break;
    }
}

/* One look at every loader. Holds reg_lock (never taken by GC callbacks or ObjectFree). */
int ml_pass_run(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res)
{
    struct ml_registry *reg = ml_reg();
    uint64_t full = ml_mgmt_full_gcs_cached(jni);
    uint64_t needed = needed_gcs();
    int64_t now = ml_clock_ms();
    int rc = ML_OK;

    /* Reading a closed flag costs a few JNI calls: with many live loaders, each pass reads a
     * rotating share of them (every loader at least every `stride` passes), so that 100 000 live
     * loaders cost a tenth of the worker, not all of it (docs/reliability.md). */
    uint32_t stride = poll_all ? 1 : 1 + live_url_loaders / POLLS_PER_PASS;
    uint32_t live_url = 0;

    poll_round++;
    memset(res, 0, sizeof(*res));
    if (!ml_reg_lock())
        return ML_ERR_JVM;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && rc == ML_OK;
         l = ml_registry_next(reg, l)) {
        struct ml_verdict *v = &l->verdict;
        int64_t freed = atomic_load(&l->freed_ms);

        if (l->id == 0 || v->state == ML_STATE_UNLOADED)
            continue;
        if (freed >= 0) {
            if (unload(jni, l, freed))
                res->withdrawn++;
            continue;
        }
        if (!l->inspected)
            rc = ml_inspect_loader(jvmti, jni, l);
        bool polled = v->state == ML_STATE_LIVE &&
                      (l->url_loader || l->role == ML_ROLE_WRAPPER) &&
                      live_url++ % stride == poll_round % stride;
        /* Collected before any pass saw it closed (16 threads creating and dropping loaders
         * within milliseconds do that), or dropped without close(): its ObjectFree may come only
         * later, and the exit report must not call it live. */
        if (v->state == ML_STATE_LIVE && (polled || poll_all) &&
            (*jni)->IsSameObject(jni, (jweak)l->handle, NULL)) {
            if (unload(jni, l, now))
                res->withdrawn++;
            continue;
        }
        if (polled) {
            bool ok = true;

            if (ml_inspect_closed(jni, l, &ok)) {
                /* Count only collections that start after we saw the close. */
                ml_verdict_close(v, now, ml_mgmt_full_gcs(jni));
                res->new_closes++;
                closes_seen++;
                ml_log(ML_LOG_DEBUG, "loader %llu (%s) closed", (unsigned long long)l->id,
                       l->class_name ? l->class_name : "?");
            }
        }
        if (v->state == ML_STATE_CLOSED || v->state == ML_STATE_LEAKED) {
            /* IsSameObject on a weak reference does not keep the object alive. */
            if ((*jni)->IsSameObject(jni, (jweak)l->handle, NULL)) {
                ml_verdict_gc(v, full, needed, false, now);
                if (unload(jni, l, now))
                    res->withdrawn++;
                continue;
            }
            if (l->role == ML_ROLE_WRAPPER)
                continue; /* holds no classes: never a leak by itself */
            /* Released by a shutdown hook: threads may still be using it while the JVM goes
             * down (a TaskManager stopped with running jobs). Not a leak we can prove. */
            if (checkpoint_end_ms >= 0 && v->closed_ms > checkpoint_end_ms)
                continue;
            if (ml_verdict_gc(v, full, needed, true, now))
                res->new_candidates++;
            if (v->state == ML_STATE_CLOSED && !v->candidate && !v->softly)
                res->closed_unproven++;
        }
        /* A user-code loader without its wrapper, or a wrapper (registered as the parent of
         * a job's generated-code loader) without its inner loader or job id: the task
         * threads have them (ml_inspect_wrappers). */
        if (v->state == ML_STATE_LIVE && now - l->first_seen_ms < WRAPPER_SCAN_MS &&
            ((l->role == ML_ROLE_USER_CODE && l->wrapper_id == ML_ID_NONE) ||
             (l->role == ML_ROLE_WRAPPER && (l->inner_id == ML_ID_NONE || !l->job_id[0]))))
            res->want_wrapper_scan = true;
    }
    ml_reg_unlock();
    live_url_loaders = live_url;
    last_pass_ms = ml_clock_ms();
    if (rc == ML_OK && res->want_wrapper_scan)
        rc = ml_inspect_wrappers(jvmti, jni);
    return rc;
}

/* Forces collections until every closed loader has a verdict (bounded by the number of
 * collections a verdict needs, and by the exit budget: no collection starts that the last one's
 * length says would end past its deadline). With `finalize`, pending finalizers run between
 * the forced collections (not at VM death, where no new thread may start). */
int ml_pass_verify(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res,
                   unsigned *new_candidates, bool finalize)
{
    uint64_t rounds = needed_gcs() + 1u;
    unsigned withdrawn;
    static int64_t gc_ms;  /* the last forced collection's length; worker thread only */
    int rc;

    poll_all = true; /* the exit verdicts need every close seen */
    rc = ml_pass_run(jvmti, jni, res);
    withdrawn = res->withdrawn;

    *new_candidates = res->new_candidates;
    if (!ml_mgmt_has_full())
        return rc; /* no collection could prove anything (docs/gc.md) */
    for (uint64_t i = 0; rc == ML_OK && i < rounds && res->closed_unproven > 0; i++) {
        int64_t start = ml_clock_ms();

        if (start + gc_ms > ml_exit_work_deadline_ms()) {
            ml_log(ML_LOG_INFO, "exit_budget: %u closed loaders left without a verdict (a "
                                "forced collection takes about %lld ms)",
                   res->closed_unproven, (long long)gc_ms);
            break;
        }
        ml_log(ML_LOG_DEBUG, "forcing a collection: %u closed loaders without a verdict",
               res->closed_unproven);
        if (!ml_jvmti_ok((*jvmti)->ForceGarbageCollection(jvmti), ML_ON_ERROR_FAIL,
                         "ForceGarbageCollection"))
            return ML_ERR_JVM;
        gc_ms = ml_clock_ms() - start;
        ml_mgmt_note_gc();
        if (finalize)
            let_finalizers_run(jni);
        rc = ml_pass_run(jvmti, jni, res);
        *new_candidates += res->new_candidates;
        withdrawn += res->withdrawn;
    }
    res->withdrawn = withdrawn; /* over all the passes */
    return rc;
}

unsigned ml_pass_settle(JNIEnv *jni, bool final, bool now_all)
{
    struct ml_registry *reg = ml_reg();
    int64_t now = ml_clock_ms();
    unsigned turned = 0;

    (void)jni;
    if (!ml_reg_lock())
        return 0;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        if (ml_verdict_settle(&l->verdict, now, now_all ? 0 : LEAK_SETTLE_MS, final)) {
            turned++;
            log_leak(l);
        }
    }
    ml_reg_unlock();
    return turned;
}

uint32_t ml_pass_live_polled(void)
{
    return live_url_loaders;
}

int64_t ml_pass_last_ms(void)
{
    return last_pass_ms;
}

uint64_t ml_pass_closes_seen(void)
{
    return closes_seen;
}

void ml_pass_checkpoint_ended(int64_t when_ms)
{
    checkpoint_end_ms = when_ms;
}
