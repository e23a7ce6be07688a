/* Reading metaleak reports for the CLI: never trusting them. A report is read whole (bounded
 * size), parsed with cJSON, and checked for the schema string and the shape of every field the
 * CLI uses, so that a truncated, foreign or hostile file gets one message naming the file and
 * the field, never a crash. */
#ifndef METALEAK_REPORTREAD_H
#define METALEAK_REPORTREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_REPORT_MAX_BYTES (256u * 1024u * 1024u)

struct cJSON;

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
};

/* Loads and checks the report at path. Returns ML_OK, or ML_ERR_IO (unreadable) /
 * ML_ERR_CONFIG (not a usable metaleak-report/1) with one line naming the file in err.
 * The caller owns *out and releases it with ml_rfile_release. */
int ml_rfile_load(const char *path, struct ml_rfile *out, char *err, size_t errlen);

/* The same from a buffer; `name` stands for the path in messages. */
int ml_rfile_parse(const char *name, const char *data, size_t len, struct ml_rfile *out,
                   char *err, size_t errlen);

/* Frees what ml_rfile_load allocated. Accepts a zeroed struct. */
void ml_rfile_release(struct ml_rfile *rf);

#endif
