/* What the CLI reads from a metaleak report: struct ml_rfile and its entries, filled and
 * checked by the report reader (reportread.h, which includes this header). Strings point into
 * the parsed document that ml_rfile owns; "owned" arrays are freed by ml_rfile_release. */
#ifndef METALEAK_REPORTDATA_H
#define METALEAK_REPORTDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* One step of a leak's reference path (agent 0.2.0+; report.md "Each path step"). Strings
 * point into the parsed document; NULL when null or absent. */
struct ml_rstep {
    const char *ref;            /* step 0: root kind; later: how the previous step holds it */
    const char *field;
    int64_t index;              /* -1 when null */
    const char *object;         /* instance, class, loader, thread */
    const char *class_name;
    int64_t loader_id;          /* -1 when null; 0 = the JDK */
    const char *jar;
    const char *thread;
    const char *method;
    const char *key;
    bool owned;
    bool shutdown_hook;
};

/* A leak recognised as a known library leak (`known`, the known-leaks catalogue). */
struct ml_rknown {
    const char *id;             /* never NULL */
    const char *library;
    const char *title;
    const char *fixed_in;
    const char *advice;
    const char **references;    /* owned array of pointers into the document */
    size_t n_references;
};

/* One Metaspace sample (metaspace.samples). */
struct ml_rsample {
    int64_t t_ms;
    int64_t used_bytes;
    int64_t committed_bytes;    /* -1 when absent */
    int64_t loaders_live;       /* -1 when absent */
    int64_t classes_live;       /* -1 when absent */
    bool after_full_gc;
};

/* One of paths.groups: leaked loaders whose paths have the same shape. */
struct ml_rpgroup {
    const char *cause;
    const char *shape;
    const char *signature;      /* NULL until the agent computes signatures */
    const uint64_t *loader_ids; /* owned */
    size_t n_loader_ids;
};

/* One value of flink_config.values ("null" values have value NULL). */
struct ml_rconf {
    const char *key;
    const char *value;
};

/* One leak, as the CLI needs it. Strings point into the parsed document. */
struct ml_rleak {
    uint64_t loader_id;
    const char *class_name;     /* never NULL ("?" when absent) */
    const char *identity_hash;  /* NULL when absent */
    const char *job_id;         /* NULL when absent */
    const char **urls;          /* owned array of pointers into the document */
    size_t n_urls;
    const char *cause;          /* NULL until the explanation issue adds it */
    const char *path_line;      /* one-line path, NULL when absent */
    const char *advice;         /* NULL when absent */
    uint64_t classes_live;
    int64_t metaspace_bytes;    /* -1 when null */
    int64_t closed_ms, leaked_ms, unloaded_ms;  /* -1 when null */
    const char *proof;          /* NULL when absent */
    uint64_t gcs_since_close;
    const char *name;           /* ClassLoader.getName(), NULL when unnamed */
    const char *path_status;    /* NULL when absent (agent 0.1) */
    struct ml_rstep *steps;     /* owned array, NULL when the report has no path */
    size_t n_steps;
    const char *signature;      /* NULL when absent (known-leaks issue) */
    struct ml_rknown *known;    /* owned, NULL when null or absent */
};

/* One loader (for "top loaders" and diff). */
struct ml_rloader {
    uint64_t id;
    const char *class_name;
    const char *identity_hash;
    const char *state;
    const char *job_id;
    const char *first_url;      /* NULL when none */
    uint64_t classes_live;
    int64_t metaspace_bytes;    /* -1 when null */
    const char *name;           /* ClassLoader.getName(), NULL when unnamed */
    const char *role;           /* flink.role, NULL when not Flink's */
    int64_t parent_id;          /* -1 when null */
    int64_t closed_ms;          /* -1 when null */
    bool awaiting_unload;       /* closed, no path from a GC root: garbage, not a leak */
    bool suspect;
    const char *growth_kind;    /* growth.kind ("reflection-accessor"), NULL otherwise */
    int64_t lambdas, proxies;   /* growth.lambdas/proxies, -1 when null or absent */
    int64_t shadowed;           /* shadowed_classes.count, -1 when null or absent */
};

struct ml_rfile {
    char *path;                 /* owned copy */
    struct cJSON *root;         /* owned parsed document */
    const char *trigger;
    const char *generated_at;
    long pid;
    const char *java_version;   /* NULL when absent */
    const char *vm_name;
    int64_t uptime_ms;
    int64_t start_epoch_ms;     /* -1 when absent */
    int64_t metaspace_used, metaspace_committed, metaspace_max;  /* -1 = null/unknown */
    uint64_t loaders_live, leaked_loaders, loaders_unloaded, classes_live;
    struct ml_rleak *leaks;     /* owned array */
    size_t n_leaks;
    struct ml_rloader *loaders; /* owned array */
    size_t n_loaders;
    /* The agent's Metaspace verdict, NULL when absent (older agents). */
    const char *mspace_verdict;
    const char *mspace_reason;
    const char *mspace_advice;
    int64_t mspace_bytes_per_leak, mspace_submissions_left, mspace_ms_left;  /* -1 unknown */
    /* metaspace.out_of_memory (agent 0.2.1+): count 0 when null or absent */
    int64_t oom_count, oom_first_ms;
    const char *oom_space;
    /* Class inventory (agent 0.2.0+), -1 when absent */
    int64_t loaders_suspect, loaders_shadowing, shadowed_classes;
    int64_t lambdas, proxies, reflection_loaders;
    /* Metaspace samples, used for growth: first and last used_bytes, -1 if none */
    int64_t first_sample_used, last_sample_used;
    /* Details for the HTML page and the gates (absent in older agents: NULL / -1 / 0). */
    const char *agent_version;
    bool attached;
    int verify_on_exit;         /* 1, 0, -1 unknown */
    const char *paths_mode;
    struct ml_rsample *samples; /* owned array, in report order */
    size_t n_samples;
    int64_t oom_last_ms;        /* -1 unless out_of_memory */
    int64_t metaspace_reserved, ccs_used, ccs_committed, ccs_max, hidden_class_bytes;
    const char *metaspace_source;
    int64_t baseline_growth;
    int64_t loaders_total, loaders_closed, hidden_classes_live;
    int64_t dropped_loaders, dropped_urls, dropped_history;
    const char **collectors;    /* owned array (gc.collectors) */
    size_t n_collectors;
    int64_t n_full_collectors;  /* -1 when gc.full_collectors is absent */
    int64_t full_gcs;
    bool gc_concurrent;
    bool has_flink_config;      /* flink_config is an object (a Flink process) */
    const char *flink_config_file, *flink_config_error;
    struct ml_rconf *flink_config; /* owned array */
    size_t n_flink_config;
    struct ml_rpgroup *path_groups; /* owned array (paths.groups) */
    size_t n_path_groups;
};

#endif
