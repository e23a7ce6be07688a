/* Metaspace reasoning: a bounded series of samples, the post-GC baseline, and a verdict with a
 * forecast — leak (leaked loaders hold the growth), undersized (no leak, usage plateaus near
 * the limit), growing (not yet explained), healthy. Pure module; see docs/metaspace.md. */
#ifndef METALEAK_MSPACEVERDICT_H
#define METALEAK_MSPACEVERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_MSPACE_SAMPLES 256

struct ml_mspace_sample {
    int64_t t_ms;              /* ms since JVM start */
    int64_t used_bytes;
    int64_t committed_bytes;
    uint64_t loaders_live;
    uint64_t classes_live;
    bool after_full_gc;        /* taken right after a class-unloading full collection */
};

/* A ring of the last ML_MSPACE_SAMPLES samples. Zero-initialise before use. */
struct ml_mspace_series {
    struct ml_mspace_sample s[ML_MSPACE_SAMPLES];
    size_t start, n;
    uint64_t dropped;          /* older samples overwritten */
};

void ml_mspace_series_add(struct ml_mspace_series *series, const struct ml_mspace_sample *sample);
/* The i-th sample, oldest first (i < series->n). */
const struct ml_mspace_sample *ml_mspace_series_at(const struct ml_mspace_series *series, size_t i);

struct ml_mspace_inputs {
    int64_t now_ms;
    int64_t used_bytes;        /* -1 unknown */
    int64_t committed_bytes;   /* -1 unknown; room left is counted from it (fragmentation) */
    int64_t max_bytes;         /* -1 unlimited */
    uint64_t leaked_loaders;
    uint64_t leaked_measured;  /* leaked loaders with a byte count */
    int64_t leaked_bytes;      /* sum over those */
    int64_t first_close_ms;    /* earliest closed_ms among leaked loaders, -1 none */
    const struct ml_mspace_series *series;
    const char *limit_setting; /* how to raise the limit, e.g. "taskmanager.memory.jvm-metaspace.size (now 256m)" */
};

struct ml_mspace_judgement {
    const char *verdict;       /* "leak", "undersized", "growing", "healthy" */
    char reason[384];
    char advice[384];
    int64_t baseline_growth;   /* last - first post-GC used bytes, -1 when < 2 post-GC samples */
    int64_t bytes_per_leak;    /* -1 unknown */
    int64_t submissions_left;  /* -1 unknown or unlimited */
    int64_t ms_left;           /* -1 unknown or unlimited */
};

/* Judges. Cannot fail. */
void ml_mspace_judge(const struct ml_mspace_inputs *in, struct ml_mspace_judgement *out);

#endif
