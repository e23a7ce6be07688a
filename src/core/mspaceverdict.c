/* Metaspace verdict and forecast (see mspaceverdict.h). The thresholds are documented in
 * docs/metaspace.md: "near the limit" is 80 % of it after a full collection; "growing" is a
 * post-GC baseline that rose by more than 10 % and 1 MiB. */
#include "metaleak/mspaceverdict.h"

#include <stdio.h>
#include <string.h>

#include "metaleak/sizes.h"

#define NEAR_LIMIT_PCT 80
#define GROWTH_PCT 10
#define GROWTH_MIN_BYTES (1 << 20)

void ml_mspace_series_add(struct ml_mspace_series *series, const struct ml_mspace_sample *sample)
{
    if (series->n < ML_MSPACE_SAMPLES) {
        series->s[(series->start + series->n) % ML_MSPACE_SAMPLES] = *sample;
        series->n++;
        return;
    }
    series->s[series->start] = *sample;
    series->start = (series->start + 1) % ML_MSPACE_SAMPLES;
    series->dropped++;
}

const struct ml_mspace_sample *ml_mspace_series_at(const struct ml_mspace_series *series, size_t i)
{
    return &series->s[(series->start + i) % ML_MSPACE_SAMPLES];
}

/* First and last post-GC samples; returns how many there are. */
static size_t post_gc(const struct ml_mspace_series *series, const struct ml_mspace_sample **first,
                      const struct ml_mspace_sample **last)
{
    size_t count = 0;

    *first = *last = NULL;
    for (size_t i = 0; series != NULL && i < series->n; i++) {
        const struct ml_mspace_sample *s = ml_mspace_series_at(series, i);

        if (!s->after_full_gc || s->used_bytes < 0)
            continue;
        if (*first == NULL)
            *first = s;
        *last = s;
        count++;
    }
    return count;
}

static void forecast(const struct ml_mspace_inputs *in, struct ml_mspace_judgement *out)
{
    int64_t room;
    char per[32], left[32];

    if (in->leaked_measured > 0)
        out->bytes_per_leak = in->leaked_bytes / (int64_t)in->leaked_measured;
    if (in->max_bytes < 0 || in->used_bytes < 0 || out->bytes_per_leak <= 0) {
        snprintf(out->advice, sizeof(out->advice),
                 "find what pins the leaked loaders (see leaks) and release it when the job ends");
        return;
    }
    /* Metaspace runs out when it cannot commit more, so count the room from what is
     * committed (chunks are committed ahead of use and fragment). */
    {
        int64_t taken = in->committed_bytes > in->used_bytes ? in->committed_bytes
                                                             : in->used_bytes;

        room = in->max_bytes > taken ? in->max_bytes - taken : 0;
    }
    out->submissions_left = room / out->bytes_per_leak;
    if (in->first_close_ms >= 0 && in->now_ms > in->first_close_ms && in->leaked_bytes > 0) {
        double rate = (double)in->leaked_bytes / (double)(in->now_ms - in->first_close_ms);

        out->ms_left = (int64_t)((double)room / rate);
    }
    snprintf(out->advice, sizeof(out->advice),
             "each leaked loader costs about %s; %s of Metaspace is left: about %lld more "
             "leaking submissions. Find what pins them (see leaks)",
             ml_format_size(out->bytes_per_leak, per, sizeof(per)),
             ml_format_size(room, left, sizeof(left)), (long long)out->submissions_left);
}

void ml_mspace_judge(const struct ml_mspace_inputs *in, struct ml_mspace_judgement *out)
{
    const struct ml_mspace_sample *first, *last;
    size_t n_post = post_gc(in->series, &first, &last);
    char a[32], b[32], b2[32];
    const char *limit = in->limit_setting ? in->limit_setting : "-XX:MaxMetaspaceSize";

    memset(out, 0, sizeof(*out));
    out->baseline_growth = n_post >= 2 ? last->used_bytes - first->used_bytes : -1;
    out->bytes_per_leak = out->submissions_left = out->ms_left = -1;

    if (in->leaked_loaders > 0) {
        out->verdict = "leak";
        if (in->leaked_measured > 0 && in->used_bytes > 0)
            snprintf(out->reason, sizeof(out->reason),
                     "%llu leaked class loaders hold %s of the %s Metaspace in use",
                     (unsigned long long)in->leaked_loaders,
                     ml_format_size(in->leaked_bytes, a, sizeof(a)),
                     ml_format_size(in->used_bytes, b, sizeof(b)));
        else
            snprintf(out->reason, sizeof(out->reason), "%llu leaked class loaders",
                     (unsigned long long)in->leaked_loaders);
        forecast(in, out);
        return;
    }
    /* Metaspace is exhausted when it cannot commit more: compare what is committed. */
    if (in->max_bytes > 0 && last != NULL &&
        (last->committed_bytes > last->used_bytes ? last->committed_bytes : last->used_bytes) *
                100 >= in->max_bytes * NEAR_LIMIT_PCT &&
        (out->baseline_growth < 0 || out->baseline_growth * 100 < in->max_bytes * 5)) {
        out->verdict = "undersized";
        snprintf(out->reason, sizeof(out->reason),
                 "no leaked loader, and after a full collection Metaspace still has %s committed "
                 "(%s used) of its %s limit",
                 ml_format_size(last->committed_bytes, a, sizeof(a)),
                 ml_format_size(last->used_bytes, b2, sizeof(b2)),
                 ml_format_size(in->max_bytes, b, sizeof(b)));
        snprintf(out->advice, sizeof(out->advice), "the workload needs more Metaspace: raise %s",
                 limit);
        return;
    }
    if (in->max_bytes > 0 && n_post == 0 &&
        (in->committed_bytes > in->used_bytes ? in->committed_bytes : in->used_bytes) * 100 >=
            in->max_bytes * 95) {
        out->verdict = "undersized";
        snprintf(out->reason, sizeof(out->reason),
                 "no leaked loader, and Metaspace is at %s of its %s limit",
                 ml_format_size(in->used_bytes, a, sizeof(a)),
                 ml_format_size(in->max_bytes, b, sizeof(b)));
        snprintf(out->advice, sizeof(out->advice),
                 "no full collection has run yet; if this persists after one, raise %s", limit);
        return;
    }
    if (n_post >= 2 && out->baseline_growth > GROWTH_MIN_BYTES &&
        out->baseline_growth * 100 > first->used_bytes * GROWTH_PCT) {
        out->verdict = "growing";
        snprintf(out->reason, sizeof(out->reason),
                 "Metaspace after full collections rose by %s (%s -> %s) without a leaked loader",
                 ml_format_size(out->baseline_growth, a, sizeof(a)),
                 ml_format_size(first->used_bytes, b, sizeof(b)),
                 ml_format_size(last->used_bytes, a, sizeof(a)));
        snprintf(out->advice, sizeof(out->advice),
                 "more classes stay loaded (libraries, UDFs, reflection, hidden classes): compare "
                 "top loaders between reports (metaleak diff)");
        return;
    }
    out->verdict = "healthy";
    snprintf(out->reason, sizeof(out->reason), "no leaked loader and no rising post-GC baseline");
}
