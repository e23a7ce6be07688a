/* The numbers an alert needs, in one snapshot: what the io.metaleak:type=Agent MBean shows and
 * what the metrics file (metrics=FILE, Prometheus text format for node exporter's textfile
 * collector) holds. docs/operations.md lists them. Pure module: no JNI/JVMTI. */
#ifndef METALEAK_METRICS_H
#define METALEAK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ml_agent_status {
    bool active;                       /* false once the agent disabled itself */
    uint64_t leaked_loaders;           /* proven leaked and still loaded */
    uint64_t leaked_loaders_total;     /* proven leaked during the run (the report's summary) */
    uint64_t leaked_classes;           /* classes of the leaked loaders still loaded */
    int64_t leaked_metaspace_bytes;    /* Metaspace of those that were measured; 0 none */
    uint64_t loaders_live;
    const char *verdict;               /* Metaspace verdict; NULL before the first one */
    int64_t submissions_left;          /* forecast, -1 unknown */
    int64_t seconds_left;              /* forecast, -1 unknown */
    int64_t metaspace_used_bytes;      /* -1 unknown */
    int64_t metaspace_max_bytes;       /* -1 unlimited or unknown */
    uint64_t ooms;                     /* Metaspace / class space OutOfMemoryErrors */
    uint64_t reports_written;
    const char *last_report;           /* the file of the last report written, NULL none */
    int64_t last_report_epoch_ms;      /* -1 none */
    uint64_t errors;                   /* errors the agent printed */
    int64_t updated_epoch_ms;
};

/* 0 healthy, 1 growing, 2 undersized, 3 leak; -1 none or unknown. */
int ml_metrics_verdict_level(const char *verdict);

/* The snapshot in Prometheus text format (0.0.4; node exporter's textfile collector reads it),
 * every sample labelled host="..." and pid="...". Returns malloc'd text (the caller frees it)
 * or NULL when out of memory. */
char *ml_metrics_render(const struct ml_agent_status *s, const char *host, long pid);

#endif
