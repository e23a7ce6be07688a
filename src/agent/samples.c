/* The Metaspace time series (see samples.h). */
#include "samples.h"

#include "metaleak/clock.h"
#include "metaleak/registry.h"
#include "mgmt.h"
#include "state.h"

#define SAMPLE_MS 10000         /* Metaspace sample at least this often */

/* Worker thread only. */
static struct ml_mspace_series series;
static uint64_t sample_full_gcs;   /* full-collection count at the last sample */
static int64_t sample_ms = -1;     /* time of the last sample, -1 none */

/* Live loaders and live classes, for a sample. */
static void totals(uint64_t *loaders, uint64_t *classes)
{
    struct ml_registry *reg = ml_reg();

    *loaders = *classes = 0;
    if (!ml_reg_lock())
        return;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        if (l->verdict.state == ML_STATE_UNLOADED)
            continue;
        (*loaders)++;
        *classes += ml_loader_classes_live(l);
    }
    ml_reg_unlock();
}

void ml_samples_take(JNIEnv *jni, bool after_full_gc)
{
    struct ml_mspace_sample s;
    int64_t max;

    if (!ml_mgmt_ready())
        return;
    s.t_ms = ml_clock_ms();
    s.after_full_gc = after_full_gc;
    ml_mgmt_metaspace(jni, &s.used_bytes, &s.committed_bytes, &max);
    totals(&s.loaders_live, &s.classes_live);
    ml_mspace_series_add(&series, &s);
    sample_ms = s.t_ms;
}

void ml_samples_start(JNIEnv *jni)
{
    sample_ms = -1;
    sample_full_gcs = ml_mgmt_full_gcs_cached(jni);
    ml_samples_take(jni, false);
}

void ml_samples_if_due(JNIEnv *jni)
{
    uint64_t full = ml_mgmt_full_gcs_cached(jni);

    if (full != sample_full_gcs) {
        sample_full_gcs = full;
        ml_samples_take(jni, true);
    } else if (sample_ms < 0 || ml_clock_ms() - sample_ms >= SAMPLE_MS) {
        ml_samples_take(jni, false);
    }
}

const struct ml_mspace_series *ml_samples(void)
{
    return &series;
}
