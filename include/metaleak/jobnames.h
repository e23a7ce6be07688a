/* Flink job names for the CLI. A report knows a job by its id only (from the blob URLs of its
 * class loader); the JobManager knows the names. `metaleak collect` asks the REST API
 * (GET /jobs/overview) and writes the answer as a small file of its own schema,
 * metaleak-flink-jobs/1, beside the reports it fetched; `summary` and `html` accept such files
 * among their arguments and name the jobs with it:
 *
 *   {"schema": "metaleak-flink-jobs/1", "jobmanager": "http://jm:8081",
 *    "fetched_at": "2026-12-03T13:42:16.837Z",
 *    "jobs": [{"id": "<32 hex>", "name": "ThreadLeakJob", "state": "FINISHED",
 *              "start_time": "2026-...Z", "end_time": "2026-...Z" or null}]} */
#ifndef METALEAK_JOBNAMES_H
#define METALEAK_JOBNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_JOBS_SCHEMA "metaleak-flink-jobs/1"
#define ML_JOBS_MAX 100000

struct ml_job {
    char *id;           /* owned */
    char *name;         /* owned */
    char *state;        /* owned, NULL when unknown */
    int64_t start_ms;   /* ms since 1970, -1 unknown */
    int64_t end_ms;     /* ms since 1970, -1 unknown or still running */
};

struct ml_jobnames {
    struct ml_job *jobs; /* owned array */
    size_t n;
};

/* Adds the jobs of Flink's GET /jobs/overview answer to jn. Returns ML_OK, or ML_ERR_CONFIG
 * with the reason in err when the answer is not that document. */
int ml_jobnames_from_overview(const char *json, size_t len, struct ml_jobnames *jn, char *err,
                              size_t errlen);

/* The metaleak-flink-jobs/1 document for jn (jobmanager: the URL asked; fetched_ms: ms since
 * 1970). Returns a string the caller frees with free(), or NULL when out of memory. */
char *ml_jobnames_render(const struct ml_jobnames *jn, const char *jobmanager, int64_t fetched_ms);

/* True when data is a JSON object whose "schema" is metaleak-flink-jobs/1 (how the commands
 * tell a job-names file from a report). */
bool ml_jobnames_is(const char *data, size_t len);

/* Adds the jobs of a metaleak-flink-jobs/1 document to jn (a job given twice keeps its first
 * name). Returns ML_OK, or ML_ERR_CONFIG with "'<name>': <field> <problem>" in err. */
int ml_jobnames_parse(const char *name, const char *data, size_t len, struct ml_jobnames *jn,
                      char *err, size_t errlen);

/* The name of job_id, or NULL when unknown (or job_id is NULL). */
const char *ml_jobnames_find(const struct ml_jobnames *jn, const char *job_id);

/* Frees what the functions above allocated. Accepts a zeroed struct. */
void ml_jobnames_release(struct ml_jobnames *jn);

#endif
