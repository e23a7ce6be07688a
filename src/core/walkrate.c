/* The heap-walk cost model (see walkrate.h). */
#include "metaleak/walkrate.h"

void ml_walkrate_init(struct ml_walkrate *r)
{
    r->ns_per_byte = 0;
    r->filtered_ns_per_byte = 0;
    r->from_cut = false;
    r->unwind_ns_per_byte = 0;
    r->unwind_prior_ns_per_byte = ML_WALK_UNWIND_PRIOR_NS_PER_BYTE;
    r->heap_bytes = -1;
    r->walks = 0;
    r->cut = 0;
    r->filtered = 0;
    r->longest_ns = -1;
}

void ml_walkrate_set_jdk(struct ml_walkrate *r, int feature)
{
    r->unwind_prior_ns_per_byte = feature >= ML_WALK_BITMAP_FROM_JDK
                                      ? ML_WALK_UNWIND_PRIOR_BITMAP_NS_PER_BYTE
                                      : ML_WALK_UNWIND_PRIOR_NS_PER_BYTE;
}

void ml_walkrate_note(struct ml_walkrate *r, const struct ml_walk_sample *s)
{
    int64_t covered;

    r->walks++;
    if (s->ns > r->longest_ns)
        r->longest_ns = s->ns;
    if (s->filtered)
        r->filtered++;
    if (s->end == ML_WALK_CUT)
        r->cut++;
    if (s->heap_bytes <= 0 || s->ns <= 0)
        return;
    switch (s->end) {
    case ML_WALK_COMPLETE:
        if (s->filtered) {
            r->filtered_ns_per_byte = (double)s->ns / (double)s->heap_bytes;
        } else {
            r->ns_per_byte = (double)s->ns / (double)s->heap_bytes;
            r->from_cut = false;
            r->heap_bytes = s->heap_bytes;
        }
        break;
    case ML_WALK_CUT: {
        /* The whole walk takes at least this long: its progress is at most the heap used. A
         * walk cut before it reported anything is taken to have covered a sixteenth. */
        int64_t unwind = s->unwind_ns > 0 && s->unwind_ns < s->ns ? s->unwind_ns : 0;
        double walked = (double)(s->ns - unwind);

        covered = s->seen_bytes;
        if (covered <= 0)
            covered = s->heap_bytes / 16;
        if (covered > s->heap_bytes)
            covered = s->heap_bytes;
        if (covered <= 0)
            covered = 1;
        r->ns_per_byte = (walked * (double)s->heap_bytes / (double)covered + (double)unwind) /
                         (double)s->heap_bytes;
        if (s->unwind_ns >= 0)
            r->unwind_ns_per_byte = (double)unwind / (double)s->heap_bytes;
        r->from_cut = true;
        r->heap_bytes = s->heap_bytes;
        break;
    }
    case ML_WALK_EARLY:
    case ML_WALK_FAILED:
        break;
    }
}

int64_t ml_walkrate_predict(const struct ml_walkrate *r, int64_t heap_bytes, bool filtered)
{
    double ns = -1;

    if (heap_bytes <= 0)
        return -1;
    if (r->ns_per_byte > 0)
        ns = r->ns_per_byte * (double)heap_bytes;
    if (filtered && r->filtered_ns_per_byte > 0) {
        double f = r->filtered_ns_per_byte * (double)heap_bytes;

        if (ns < 0 || f < ns)
            ns = f;
    }
    if (ns < 0)
        return -1;
    return ns > 9.0e18 ? INT64_MAX : (int64_t)ns;
}

int64_t ml_walkrate_unwind(const struct ml_walkrate *r, int64_t heap_bytes)
{
    double per = r->unwind_ns_per_byte > 0 ? r->unwind_ns_per_byte : r->unwind_prior_ns_per_byte;

    if (heap_bytes <= 0)
        return 0;
    return (int64_t)(per * (double)heap_bytes);
}

double ml_walkrate_mb_per_s(const struct ml_walkrate *r)
{
    /* bytes per ns * 1e9 / 1e6 */
    return r->ns_per_byte > 0 ? 1000.0 / r->ns_per_byte : 0;
}
