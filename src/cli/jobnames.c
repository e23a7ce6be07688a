/* Flink job names: from the JobManager's /jobs/overview to a metaleak-flink-jobs/1 file and back
 * (see jobnames.h). */
#include "metaleak/jobnames.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metaleak/clifmt.h"
#include "metaleak/error.h"

#define MAX_NAME 4096

static int add(struct ml_jobnames *jn, const char *id, const char *name, const char *state,
               int64_t start_ms, int64_t end_ms)
{
    struct ml_job *grown, *j;

    if (ml_jobnames_find(jn, id) != NULL)
        return ML_OK;
    if (jn->n >= ML_JOBS_MAX)
        return ML_ERR_FULL;
    grown = realloc(jn->jobs, (jn->n + 1) * sizeof(*jn->jobs));
    if (grown == NULL)
        return ML_ERR_NOMEM;
    jn->jobs = grown;
    j = &jn->jobs[jn->n];
    memset(j, 0, sizeof(*j));
    j->id = strdup(id);
    j->name = strndup(name, MAX_NAME);
    j->state = state != NULL ? strdup(state) : NULL;
    j->start_ms = start_ms;
    j->end_ms = end_ms;
    if (j->id == NULL || j->name == NULL || (state != NULL && j->state == NULL)) {
        free(j->id);
        free(j->name);
        free(j->state);
        return ML_ERR_NOMEM;
    }
    jn->n++;
    return ML_OK;
}

/* A Flink JobID: 32 hexadecimal digits. */
static bool is_job_id(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
              (s[n] >= 'A' && s[n] <= 'F')))
            return false;
    }
    return n == 32;
}

static int64_t epoch_ms(const cJSON *v)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0 ||
        v->valuedouble > 9007199254740992.0)
        return -1;
    return (int64_t)v->valuedouble;
}

int ml_jobnames_from_overview(const char *json, size_t len, struct ml_jobnames *jn, char *err,
                              size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *jobs, *j;
    int rc = ML_OK;

    jobs = cJSON_GetObjectItemCaseSensitive(root, "jobs");
    if (!cJSON_IsArray(jobs)) {
        snprintf(err, errlen, "no \"jobs\" list in the answer: not Flink's /jobs/overview?");
        cJSON_Delete(root);
        return ML_ERR_CONFIG;
    }
    cJSON_ArrayForEach(j, jobs) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "jid");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "state");

        if (!cJSON_IsString(id) || !is_job_id(id->valuestring) || !cJSON_IsString(name))
            continue;
        rc = add(jn, id->valuestring, name->valuestring,
                 cJSON_IsString(state) ? state->valuestring : NULL,
                 epoch_ms(cJSON_GetObjectItemCaseSensitive(j, "start-time")),
                 epoch_ms(cJSON_GetObjectItemCaseSensitive(j, "end-time")));
        if (rc != ML_OK) {
            snprintf(err, errlen, "%s", ml_strerror(rc));
            break;
        }
    }
    cJSON_Delete(root);
    return rc == ML_OK ? ML_OK : ML_ERR_CONFIG;
}

static cJSON *time_or_null(int64_t ms)
{
    char buf[40];

    return ms < 0 ? cJSON_CreateNull()
                  : cJSON_CreateString(ml_format_iso8601(ms, buf, sizeof(buf)));
}

char *ml_jobnames_render(const struct ml_jobnames *jn, const char *jobmanager, int64_t fetched_ms)
{
    cJSON *root = cJSON_CreateObject(), *jobs;
    char *text = NULL;

    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "schema", ML_JOBS_SCHEMA);
    cJSON_AddStringToObject(root, "jobmanager", jobmanager);
    cJSON_AddItemToObject(root, "fetched_at", time_or_null(fetched_ms));
    jobs = cJSON_AddArrayToObject(root, "jobs");
    for (size_t i = 0; jobs != NULL && i < jn->n; i++) {
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
            break;
        cJSON_AddStringToObject(o, "id", jn->jobs[i].id);
        cJSON_AddStringToObject(o, "name", jn->jobs[i].name);
        cJSON_AddItemToObject(o, "state", jn->jobs[i].state ? cJSON_CreateString(jn->jobs[i].state)
                                                           : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "start_time", time_or_null(jn->jobs[i].start_ms));
        cJSON_AddItemToObject(o, "end_time", time_or_null(jn->jobs[i].end_ms));
        cJSON_AddItemToArray(jobs, o);
    }
    text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text != NULL) {
        char *copy = strdup(text); /* ours: free(), not cJSON_free */

        cJSON_free(text);
        return copy;
    }
    return NULL;
}

/* True when the schema string occurs within the first 256 bytes. */
static bool starts_with_schema(const char *data, size_t len)
{
    size_t n = strlen(ML_JOBS_SCHEMA), end = len < 256 ? len : 256;

    for (size_t i = 0; i + n <= end; i++) {
        if (memcmp(data + i, ML_JOBS_SCHEMA, n) == 0)
            return true;
    }
    return false;
}

bool ml_jobnames_is(const char *data, size_t len)
{
    cJSON *root;
    const cJSON *schema;
    bool is;

    /* The file starts with its schema (ml_jobnames_render): no need to parse a large report
     * twice to tell it is not one. */
    if (!starts_with_schema(data, len))
        return false;
    root = cJSON_ParseWithLength(data, len);
    schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    is = cJSON_IsString(schema) && strcmp(schema->valuestring, ML_JOBS_SCHEMA) == 0;
    cJSON_Delete(root);
    return is;
}

int ml_jobnames_parse(const char *name, const char *data, size_t len, struct ml_jobnames *jn,
                      char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(root, "jobs"), *j, *list;
    size_t i = 0;
    int rc = ML_OK;

    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, ML_JOBS_SCHEMA) != 0) {
        snprintf(err, errlen, "'%s': not a %s file", name, ML_JOBS_SCHEMA);
        rc = ML_ERR_CONFIG;
    } else if (!cJSON_IsArray(jobs)) {
        snprintf(err, errlen, "'%s': jobs is not an array", name);
        rc = ML_ERR_CONFIG;
    }
    list = rc == ML_OK ? jobs : NULL;
    cJSON_ArrayForEach(j, list) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "name");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "state");
        const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(j, "start_time");
        const cJSON *t1 = cJSON_GetObjectItemCaseSensitive(j, "end_time");

        if (!cJSON_IsString(id) || !is_job_id(id->valuestring)) {
            snprintf(err, errlen, "'%s': jobs[%zu].id is not a Flink job id (32 hex digits)",
                     name, i);
            rc = ML_ERR_CONFIG;
            break;
        }
        if (!cJSON_IsString(nm)) {
            snprintf(err, errlen, "'%s': jobs[%zu].name is not a string", name, i);
            rc = ML_ERR_CONFIG;
            break;
        }
        rc = add(jn, id->valuestring, nm->valuestring, cJSON_IsString(st) ? st->valuestring : NULL,
                 ml_parse_iso8601(cJSON_IsString(t0) ? t0->valuestring : NULL),
                 ml_parse_iso8601(cJSON_IsString(t1) ? t1->valuestring : NULL));
        if (rc != ML_OK) {
            snprintf(err, errlen, "'%s': jobs[%zu]: %s", name, i, ml_strerror(rc));
            rc = ML_ERR_CONFIG;
            break;
        }
        i++;
    }
    cJSON_Delete(root);
    return rc;
}

const char *ml_jobnames_find(const struct ml_jobnames *jn, const char *job_id)
{
    if (jn == NULL || job_id == NULL)
        return NULL;
    for (size_t i = 0; i < jn->n; i++) {
        if (strcasecmp(jn->jobs[i].id, job_id) == 0)
            return jn->jobs[i].name;
    }
    return NULL;
}

void ml_jobnames_release(struct ml_jobnames *jn)
{
    for (size_t i = 0; jn->jobs != NULL && i < jn->n; i++) {
        free(jn->jobs[i].id);
        free(jn->jobs[i].name);
        free(jn->jobs[i].state);
    }
    free(jn->jobs);
    jn->jobs = NULL;
    jn->n = 0;
}
