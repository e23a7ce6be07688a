/* Leaks grouped by leak, across reports: 40 submissions of one leaky job, on every
 * TaskManager, are one group ("40 x"). The grouping key of a leak, strongest first:
 *
 *   1. its `signature` (the known-leaks catalogue's stable hash of the path shape), when the
 *      report has one;
 *   2. the shape of its reference path: the cause and, for each step, how it is held (field
 *      name, array element, root kind), what the object is and its class, whether it is a
 *      shutdown hook or the leaked loader's. Without array indices, thread names, map keys,
 *      loader ids, jars and job ids, which differ between submissions (the agent's
 *      paths.groups shape is the same idea as text);
 *   3. without a path (agent 0.1.0, paths=off, a search that did not finish): the loader
 *      class, the cause and the first jar's file name with Flink's per-upload blob suffix
 *      removed (blob_p-<content hash>-<random>: the content hash is kept).
 *
 * Groups are sorted by the Metaspace they hold, then by the number of loaders. */
#ifndef METALEAK_LEAKGROUP_H
#define METALEAK_LEAKGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "metaleak/reportread.h"

/* One member: leak `leak` of report `report`. */
struct ml_lmember {
    size_t report;
    size_t leak;
};

struct ml_lgroup {
    char *key;                       /* owned grouping key (above) */
    const char *signature;           /* NULL unless the leaks have one */
    const struct ml_rknown *known;   /* the first member's known leak, NULL when none */
    const char *cause;               /* NULL: not explained */
    const char *shape;               /* the agent's shape text when it has one, else NULL */
    const struct ml_rleak *example;  /* the first member */
    size_t example_report;
    uint64_t loaders;
    uint64_t classes_live;
    int64_t metaspace_bytes;         /* -1 when no member has a number */
    uint64_t still_alive;            /* members not unloaded since */
    bool mixed_classes;              /* members of several loader classes */
    const char **jobs;               /* owned array of distinct job ids (into the documents) */
    size_t n_jobs;
    struct ml_lmember *members;      /* owned array */
    size_t n_members;
    bool *in_report;                 /* owned, one flag per report */
};

struct ml_lgroups {
    struct ml_lgroup *g;             /* owned array, sorted */
    size_t n;
};

/* The grouping key of leak l of report rf. Returns a string the caller frees with free(), or
 * NULL when out of memory. */
char *ml_leak_key(const struct ml_rfile *rf, const struct ml_rleak *l);

/* Groups every leak of the n reports into out. Returns ML_OK or ML_ERR_NOMEM (out is then
 * released). The groups point into the reports, which must outlive them. */
int ml_lgroups_build(const struct ml_rfile *rfs, size_t n, struct ml_lgroups *out);

/* Frees what ml_lgroups_build allocated. Accepts a zeroed struct. */
void ml_lgroups_release(struct ml_lgroups *gs);

#endif
