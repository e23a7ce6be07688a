/* The pause of each heap walk (see walkcap.h).
 *
 * A walk is one stop-the-world VM operation. Its callback reads the clock every thousand
 * references and aborts at plan->stop_ns. After the abort the JVM still undoes the walk (on JDK
 * 17.0.15 a pass over the whole heap to restore object headers: the longest part of a cut
 * walk's pause on a large heap), so the stop time lies before the limit by the predicted
 * undoing (walkrate.h) and a margin: a tenth of the limit (at most 100 ms) for the clock
 * check's granularity, plus a quarter of the predicted undoing for its spread. A walk is not started
 * when it is predicted longer than its limit, or, before any walk was measured, when the
 * undoing alone may take three quarters of it. A walk with a class filter gets callbacks only
 * for that class, cannot be cut, and so runs only when its predicted length is at most half its
 * limit. A prediction refuses only a capped walk (an automatic search): one that was asked for
 * (a request, the OOM report, the exit) starts whatever its prediction, which counts the
 * garbage in the heap and may be far too long, and is cut at its deadline. */
#include "walkcap.h"

#include <time.h>

#include "exitbudget.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/log.h"
#include "state.h"

#define FILTER_SHARE 2           /* a filtered walk needs limit / FILTER_SHARE predicted */
#define MARGIN_SHARE 10          /* the margin: limit / 10 (the clock check's granularity)... */
#define MARGIN_MAX_NS 100000000LL /* ...at most 100 ms, plus a quarter of the predicted undoing */
#define UNKNOWN_ROOM_SHARE 4     /* a first walk needs a quarter of its limit before the cut */

/* Worker thread only. */
static struct ml_walkrate rate;
static bool rate_ready;

/* The model, with the undoing prior of this JVM's HotSpot (JVMTI's major version is the JDK's
 * feature release since JDK 9). */
static struct ml_walkrate *model(void)
{
    jvmtiEnv *jvmti;
    jint version = 0;

    if (rate_ready)
        return &rate;
    ml_walkrate_init(&rate);
    jvmti = ml_jvmti();
    if (jvmti != NULL && ml_jvmti_ok((*jvmti)->GetVersionNumber(jvmti, &version),
                                     ML_ON_ERROR_SKIP, "GetVersionNumber"))
        ml_walkrate_set_jdk(&rate, (int)((version & JVMTI_VERSION_MASK_MAJOR) >>
                                         JVMTI_VERSION_SHIFT_MAJOR));
    rate_ready = true;
    return &rate;
}

int64_t ml_walkcap_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t ml_walkcap_heap_used(JNIEnv *jni)
{
    jclass rt_cls = (*jni)->FindClass(jni, "java/lang/Runtime");
    jmethodID get_rt = NULL, total = NULL, free_mem = NULL;
    jobject rt = NULL;
    int64_t used = -1;

    if (rt_cls != NULL) {
        get_rt = (*jni)->GetStaticMethodID(jni, rt_cls, "getRuntime", "()Ljava/lang/Runtime;");
        total = (*jni)->GetMethodID(jni, rt_cls, "totalMemory", "()J");
        free_mem = (*jni)->GetMethodID(jni, rt_cls, "freeMemory", "()J");
    }
    if (get_rt != NULL && total != NULL && free_mem != NULL)
        rt = (*jni)->CallStaticObjectMethod(jni, rt_cls, get_rt);
    if (rt != NULL && !ml_jni_clear(jni)) {
        jlong t = (*jni)->CallLongMethod(jni, rt, total);
        jlong f = ml_jni_clear(jni) ? -1 : (*jni)->CallLongMethod(jni, rt, free_mem);

        if (!ml_jni_clear(jni) && t > 0 && f >= 0 && t >= f)
            used = (int64_t)(t - f);
    }
    ml_jni_clear(jni);
    if (rt != NULL)
        (*jni)->DeleteLocalRef(jni, rt);
    if (rt_cls != NULL)
        (*jni)->DeleteLocalRef(jni, rt_cls);
    return used;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

enum ml_walk_go ml_walkcap_plan(JNIEnv *jni, const struct ml_walk_limits *lim, bool can_filter,
                                struct ml_walk_plan *plan)
{
    struct ml_walkrate *r = model();
    int64_t now, left, margin, room;

    plan->heap_bytes = ml_walkcap_heap_used(jni);
    now = ml_walkcap_now_ns();
    left = lim->deadline_ns - now;
    /* A search that began before the exit ends with the exit budget. */
    if (ml_exit_started()) {
        int64_t exit_left = (ml_exit_work_deadline_ms() - ml_clock_ms()) * 1000000LL;

        if (exit_left < left)
            left = exit_left;
    }
    plan->start_ns = now;
    plan->capped = lim->cap_ns > 0 && lim->cap_ns <= left;
    plan->limit_ns = plan->capped ? lim->cap_ns : left;
    plan->filtered = false;
    plan->unwind_ns = ml_walkrate_unwind(r, plan->heap_bytes);
    plan->predicted_ns = ml_walkrate_predict(r, plan->heap_bytes, false);
    plan->stop_ns = now + plan->limit_ns;
    if (left <= 0)
        return ML_WALK_OVER_DEADLINE;
    if (can_filter) {
        int64_t f = ml_walkrate_predict(r, plan->heap_bytes, true);

        if (f >= 0 && f <= plan->limit_ns / FILTER_SHARE) {
            plan->filtered = true;  /* cannot be cut: the stop time is never read */
            plan->predicted_ns = f;
            return ML_WALK_GO;
        }
    }
    if (plan->capped && plan->predicted_ns > plan->limit_ns)
        return ML_WALK_OVER_CAP;
    /* Cut early enough that the JVM's undoing still ends within the limit. */
    margin = min64(plan->limit_ns / MARGIN_SHARE, MARGIN_MAX_NS) + plan->unwind_ns / 4;
    room = plan->limit_ns - plan->unwind_ns - margin;
    if (plan->capped && plan->predicted_ns < 0 && room < plan->limit_ns / UNKNOWN_ROOM_SHARE)
        return ML_WALK_OVER_CAP;
    if (room < plan->limit_ns / MARGIN_SHARE)
        room = plan->limit_ns / MARGIN_SHARE;
    plan->stop_ns = now + room;
    return ML_WALK_GO;
}

void ml_walkcap_done(const struct ml_walk_plan *plan, enum ml_walk_end end, int64_t seen_bytes,
                     int64_t aborted_ns)
{
    int64_t end_ns = ml_walkcap_now_ns();
    struct ml_walk_sample s;

    s.ns = end_ns - plan->start_ns;
    s.unwind_ns = end == ML_WALK_CUT && aborted_ns > 0 && end_ns > aborted_ns ? end_ns - aborted_ns
                                                                             : -1;
    s.heap_bytes = plan->heap_bytes;
    s.seen_bytes = seen_bytes;
    s.end = end;
    s.filtered = plan->filtered;
    ml_walkrate_note(model(), &s);
    ml_log(ML_LOG_DEBUG,
           "heap walk: %lld ms (%s%s), %lld MB heap used, predicted %lld ms, limit %lld ms, "
           "unwound in %lld ms",
           (long long)(s.ns / 1000000),
           end == ML_WALK_COMPLETE ? "complete"
           : end == ML_WALK_CUT    ? "cut at its limit"
           : end == ML_WALK_EARLY  ? "every chain found at the roots"
                                   : "failed",
           plan->filtered ? ", class filter" : "", (long long)(plan->heap_bytes / 1000000),
           (long long)(plan->predicted_ns < 0 ? -1 : plan->predicted_ns / 1000000),
           (long long)(plan->limit_ns / 1000000),
           (long long)(end == ML_WALK_CUT && aborted_ns > 0 ? (end_ns - aborted_ns) / 1000000
                                                             : -1));
}

const struct ml_walkrate *ml_walkcap_rate(void)
{
    return model();
}
