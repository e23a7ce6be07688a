/* The report (schema "metaleak-report/1") rendered as JSON text. Pure module: it reads the
 * registry and a description of the JVM that the agent gathered. (reportread.h reads a report
 * for the CLI; the agent writes it with its reportwrite.c.) */
#ifndef METALEAK_REPORTRENDER_H
#define METALEAK_REPORTRENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/flinkconf.h"
#include "metaleak/mspaceverdict.h"
#include "metaleak/options.h"
#include "metaleak/registry.h"

#define ML_REPORT_SCHEMA "metaleak-report/1"
#define ML_MAX_COLLECTORS 8

struct ml_report_meta {
    const char *trigger;               /* exit | interval | leak | metaspace-oom | request */
    int64_t generated_at_epoch_ms;
    const char *agent_version;
    bool attached;                     /* loaded with Agent_OnAttach */
    const struct ml_options *opts;
    const char *report_file;           /* expanded path */
    const char *metrics_file;          /* expanded path, NULL or "" when none */
    const char *host;                  /* the host name (%h), NULL when unknown */

    long pid;
    const char *java_version;          /* NULL when unknown */
    const char *vm_name;
    int64_t uptime_ms;
    int64_t start_epoch_ms;            /* wall clock of JVM start */

    const char *collectors[ML_MAX_COLLECTORS];
    size_t n_collectors;
    const char *full_collectors[ML_MAX_COLLECTORS];
    size_t n_full_collectors;
    bool concurrent;                   /* the full collector is concurrent (ZGC, Shenandoah) */
    uint64_t full_gcs;
    uint64_t gc_pauses;                /* GarbageCollectionFinish events */

    int64_t metaspace_used;            /* bytes, -1 = unknown */
    int64_t metaspace_committed;       /* bytes, -1 = unknown */
    int64_t metaspace_max;             /* bytes, -1 = unlimited or unknown */
    int64_t class_space_used;          /* Compressed Class Space, -1 = unknown/absent */
    int64_t class_space_committed;
    int64_t class_space_max;
    const char *metaspace_source;      /* where per-loader bytes come from, or why none */
    int64_t hidden_class_bytes;        /* non-strong hidden classes (own CLDs), -1 unknown */
    int64_t metaspace_reserved;        /* -1 unknown */
    uint64_t oom_count;                /* OutOfMemoryErrors for Metaspace / class space so far */
    int64_t oom_first_ms, oom_last_ms; /* ms since JVM start, meaningful when oom_count > 0 */
    const char *oom_space;             /* "metaspace" or "compressed-class-space" (the first) */
    const struct ml_mspace_series *samples;           /* NULL = none */
    const struct ml_mspace_judgement *judgement;      /* NULL = none */
    const struct ml_flink_conf *flink_conf;       /* NULL = not a Flink process */
    uint64_t path_searches;            /* reference-path searches so far */
    uint64_t path_walks;               /* heap walks they made */
    int64_t last_search_ms;            /* duration of the last one, -1 none */
    uint64_t path_deferred_searches;   /* automatic searches max_pause deferred */
    uint64_t path_walks_cut;           /* walks cut at their time limit */
    uint64_t path_walks_filtered;      /* walks run with a class filter */
    int64_t path_longest_walk_ms;      /* the longest single walk (one pause), -1 none */
    double path_walk_rate_mb_per_s;    /* learnt walk rate, 0 unknown */
    int64_t path_walk_estimate_ms;     /* a whole walk's predicted length when deferred, -1 */
    const char *path_deferred_reason;  /* why the last deferral happened, NULL none */
};

/* Renders the report as JSON text. Returns NULL when out of memory. The caller owns the
 * result and frees it with free(). The caller holds the registry lock. Reentrant: it touches
 * no global state of cJSON's. */
char *ml_report_render(struct ml_registry *reg, const struct ml_report_meta *meta);

#endif
