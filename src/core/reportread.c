/* Reading a metaleak-report/1 file for the CLI (see reportread.h). Every field the CLI uses is
 * checked for its type and range here, once, so the commands can trust struct ml_rfile. */
#include "metaleak/reportread.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"
#include "metaleak/reportrender.h"

#define MAX_EXACT 9007199254740992.0 /* 2^53: larger integers are not exact in JSON doubles */

struct ctx {
    const char *name;
    char *err;
    size_t errlen;
};

static int bad(struct ctx *c, const char *field, const char *what)
{
    snprintf(c->err, c->errlen, "'%s': %s %s", c->name, field, what);
    return ML_ERR_CONFIG;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* A required object member. */
static int get_object(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                      const cJSON **out)
{
    const cJSON *v = member(obj, key);

    if (v == NULL)
        return bad(c, field, "is missing");
    if (!cJSON_IsObject(v))
        return bad(c, field, "is not an object");
    *out = v;
    return ML_OK;
}

static int get_array(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                     const cJSON **out)
{
    const cJSON *v = member(obj, key);

    if (v == NULL)
        return bad(c, field, "is missing");
    if (!cJSON_IsArray(v))
        return bad(c, field, "is not an array");
    *out = v;
    return ML_OK;
}

/* An integer in 0..2^53 (or -1 for null when nullable). Missing optional fields read as -1. */
static int get_int(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                   bool required, bool nullable, int64_t *out)
{
    const cJSON *v = member(obj, key);
    double d;

    *out = -1;
    if (v == NULL)
        return required ? bad(c, field, "is missing") : ML_OK;
    if (cJSON_IsNull(v)) {
        if (nullable)
            return ML_OK;
        return bad(c, field, "is null");
    }
    if (!cJSON_IsNumber(v))
        return bad(c, field, "is not a number");
    d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d > MAX_EXACT || floor(d) != d)
        return bad(c, field, "is not a whole number in 0..2^53");
    *out = (int64_t)d;
    return ML_OK;
}

static int get_uint(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                    uint64_t *out)
{
    int64_t v;
    int rc = get_int(c, obj, key, field, true, false, &v);

    *out = rc == ML_OK ? (uint64_t)v : 0;
    return rc;
}

/* A string or null/absent (NULL). */
static int get_str(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                   bool required, const char **out)
{
    const cJSON *v = member(obj, key);

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return required ? bad(c, field, v == NULL ? "is missing" : "is null") : ML_OK;
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return bad(c, field, "is not a string");
    *out = v->valuestring;
    return ML_OK;
}

static int get_urls(struct ctx *c, const cJSON *obj, const char *field, const char ***urls,
                    size_t *n)
{
    const cJSON *arr = member(obj, "urls");
    const cJSON *u;
    size_t i = 0;

    *urls = NULL;
    *n = 0;
    if (arr == NULL || cJSON_IsNull(arr))
        return ML_OK;
    if (!cJSON_IsArray(arr))
        return bad(c, field, "urls is not an array");
    *urls = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**urls));
    if (*urls == NULL)
        return bad(c, field, "urls: out of memory");
    cJSON_ArrayForEach(u, arr) {
        if (!cJSON_IsString(u))
            return bad(c, field, "urls has an element that is not a string");
        (*urls)[i++] = u->valuestring;
    }
    *n = i;
    return ML_OK;
}

static int read_leak(struct ctx *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    char field[64];
    int64_t v = 0;
    const cJSON *path;
    int rc;

    snprintf(field, sizeof(field), "leaks[%zu]", idx);
    if (!cJSON_IsObject(o))
        return bad(c, field, "is not an object");
#define F(k) (snprintf(field, sizeof(field), "leaks[%zu].%s", idx, k), field)
    rc = get_int(c, o, "loader_id", F("loader_id"), true, false, &v);
    l->loader_id = (uint64_t)v;
    if (rc == ML_OK)
        rc = get_str(c, o, "class", F("class"), false, &l->class_name);
    if (rc == ML_OK)
        rc = get_str(c, o, "identity_hash", F("identity_hash"), false, &l->identity_hash);
    if (rc == ML_OK)
        rc = get_str(c, o, "job_id", F("job_id"), false, &l->job_id);
    if (rc == ML_OK)
        rc = get_str(c, o, "cause", F("cause"), false, &l->cause);
    if (rc == ML_OK)
        rc = get_str(c, o, "advice", F("advice"), false, &l->advice);
    if (rc == ML_OK)
        rc = get_str(c, o, "proof", F("proof"), false, &l->proof);
    if (rc == ML_OK)
        rc = get_uint(c, o, "classes_live", F("classes_live"), &l->classes_live);
    if (rc == ML_OK)
        rc = get_int(c, o, "metaspace_bytes", F("metaspace_bytes"), false, true,
                     &l->metaspace_bytes);
    if (rc == ML_OK)
        rc = get_int(c, o, "closed_ms", F("closed_ms"), false, true, &l->closed_ms);
    if (rc == ML_OK)
        rc = get_int(c, o, "leaked_ms", F("leaked_ms"), false, true, &l->leaked_ms);
    if (rc == ML_OK)
        rc = get_int(c, o, "unloaded_ms", F("unloaded_ms"), false, true, &l->unloaded_ms);
    if (rc == ML_OK) {
        rc = get_int(c, o, "gcs_since_close", F("gcs_since_close"), false, true, &v);
        l->gcs_since_close = v < 0 ? 0 : (uint64_t)v;
    }
    if (rc == ML_OK)
        rc = get_urls(c, o, F("urls"), &l->urls, &l->n_urls);
    /* The explanation issue adds `path`, a list of steps; a one-line rendering if present. */
    path = member(o, "path_summary");
    if (rc == ML_OK && cJSON_IsString(path))
        l->path_line = path->valuestring;
#undef F
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}

static int read_loader(struct ctx *c, const cJSON *o, size_t idx, struct ml_rloader *l)
{
    char field[64];
    const cJSON *flink, *urls;
    int64_t v = 0;
    int rc;

    snprintf(field, sizeof(field), "loaders[%zu]", idx);
    if (!cJSON_IsObject(o))
        return bad(c, field, "is not an object");
#define F(k) (snprintf(field, sizeof(field), "loaders[%zu].%s", idx, k), field)
    rc = get_int(c, o, "id", F("id"), true, false, &v);
    l->id = (uint64_t)v;
    if (rc == ML_OK)
        rc = get_str(c, o, "class", F("class"), false, &l->class_name);
    if (rc == ML_OK)
        rc = get_str(c, o, "identity_hash", F("identity_hash"), false, &l->identity_hash);
    if (rc == ML_OK)
        rc = get_str(c, o, "state", F("state"), true, &l->state);
    if (rc == ML_OK)
        rc = get_uint(c, o, "classes_live", F("classes_live"), &l->classes_live);
    if (rc == ML_OK)
        rc = get_int(c, o, "metaspace_bytes", F("metaspace_bytes"), false, true,
                     &l->metaspace_bytes);
    flink = member(o, "flink");
    if (rc == ML_OK && flink != NULL && !cJSON_IsNull(flink)) {
        if (!cJSON_IsObject(flink))
            rc = bad(c, F("flink"), "is not an object or null");
        else
            rc = get_str(c, flink, "job_id", F("flink.job_id"), false, &l->job_id);
    }
    urls = member(o, "urls");
    if (rc == ML_OK && cJSON_IsArray(urls) && cJSON_IsString(cJSON_GetArrayItem(urls, 0)))
        l->first_url = cJSON_GetArrayItem(urls, 0)->valuestring;
#undef F
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}

static int read_header(struct ctx *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *jvm, *ms, *sum, *samples;
    int64_t v;
    int rc;

    rc = get_str(c, root, "trigger", "trigger", true, &rf->trigger);
    if (rc == ML_OK)
        rc = get_str(c, root, "generated_at", "generated_at", true, &rf->generated_at);
    if (rc == ML_OK)
        rc = get_object(c, root, "jvm", "jvm", &jvm);
    if (rc != ML_OK)
        return rc;
    rc = get_int(c, jvm, "pid", "jvm.pid", true, false, &v);
    rf->pid = (long)v;
    if (rc == ML_OK)
        rc = get_str(c, jvm, "java_version", "jvm.java_version", false, &rf->java_version);
    if (rc == ML_OK)
        rc = get_str(c, jvm, "vm_name", "jvm.vm_name", false, &rf->vm_name);
    if (rc == ML_OK)
        rc = get_int(c, jvm, "uptime_ms", "jvm.uptime_ms", false, false, &rf->uptime_ms);
    if (rc == ML_OK)
        rc = get_int(c, jvm, "start_epoch_ms", "jvm.start_epoch_ms", false, true,
                     &rf->start_epoch_ms);
    if (rc == ML_OK)
        rc = get_object(c, root, "metaspace", "metaspace", &ms);
    if (rc == ML_OK)
        rc = get_int(c, ms, "used_bytes", "metaspace.used_bytes", false, true,
                     &rf->metaspace_used);
    if (rc == ML_OK)
        rc = get_int(c, ms, "committed_bytes", "metaspace.committed_bytes", false, true,
                     &rf->metaspace_committed);
    if (rc == ML_OK)
        rc = get_int(c, ms, "max_bytes", "metaspace.max_bytes", false, true, &rf->metaspace_max);
    rf->mspace_bytes_per_leak = rf->mspace_submissions_left = rf->mspace_ms_left = -1;
    if (rc == ML_OK)
        rc = get_str(c, ms, "verdict", "metaspace.verdict", false, &rf->mspace_verdict);
    if (rc == ML_OK)
        rc = get_str(c, ms, "verdict_reason", "metaspace.verdict_reason", false, &rf->mspace_reason);
    if (rc == ML_OK)
        rc = get_str(c, ms, "advice", "metaspace.advice", false, &rf->mspace_advice);
    if (rc == ML_OK && cJSON_IsObject(member(ms, "forecast"))) {
        const cJSON *f = member(ms, "forecast");

        rc = get_int(c, f, "bytes_per_leaked_loader", "metaspace.forecast.bytes_per_leaked_loader",
                     false, true, &rf->mspace_bytes_per_leak);
        if (rc == ML_OK)
            rc = get_int(c, f, "submissions_left", "metaspace.forecast.submissions_left", false,
                         true, &rf->mspace_submissions_left);
        if (rc == ML_OK)
            rc = get_int(c, f, "ms_left", "metaspace.forecast.ms_left", false, true,
                         &rf->mspace_ms_left);
    }
    rf->oom_count = 0;
    rf->oom_first_ms = -1;
    if (rc == ML_OK && member(ms, "out_of_memory") != NULL &&
        !cJSON_IsNull(member(ms, "out_of_memory"))) {
        const cJSON *o = member(ms, "out_of_memory");

        if (!cJSON_IsObject(o))
            return bad(c, "metaspace.out_of_memory", "is not an object or null");
        rc = get_int(c, o, "count", "metaspace.out_of_memory.count", true, false, &rf->oom_count);
        if (rc == ML_OK)
            rc = get_int(c, o, "first_ms", "metaspace.out_of_memory.first_ms", true, false,
                         &rf->oom_first_ms);
        if (rc == ML_OK)
            rc = get_str(c, o, "space", "metaspace.out_of_memory.space", true, &rf->oom_space);
    }
    rf->first_sample_used = rf->last_sample_used = -1;
    samples = rc == ML_OK ? member(ms, "samples") : NULL;
    if (cJSON_IsArray(samples) && cJSON_GetArraySize(samples) > 0) {
        const cJSON *first = cJSON_GetArrayItem(samples, 0);
        const cJSON *last = cJSON_GetArrayItem(samples, cJSON_GetArraySize(samples) - 1);

        if (!cJSON_IsObject(first) || !cJSON_IsObject(last))
            return bad(c, "metaspace.samples", "has an element that is not an object");
        rc = get_int(c, first, "used_bytes", "metaspace.samples[0].used_bytes", true, false,
                     &rf->first_sample_used);
        if (rc == ML_OK)
            rc = get_int(c, last, "used_bytes", "metaspace.samples[-1].used_bytes", true, false,
                         &rf->last_sample_used);
    }
    if (rc == ML_OK)
        rc = get_object(c, root, "summary", "summary", &sum);
    if (rc == ML_OK)
        rc = get_uint(c, sum, "loaders_live", "summary.loaders_live", &rf->loaders_live);
    if (rc == ML_OK)
        rc = get_uint(c, sum, "leaked_loaders", "summary.leaked_loaders", &rf->leaked_loaders);
    if (rc == ML_OK)
        rc = get_uint(c, sum, "loaders_unloaded", "summary.loaders_unloaded",
                      &rf->loaders_unloaded);
    if (rc == ML_OK)
        rc = get_uint(c, sum, "classes_live", "summary.classes_live", &rf->classes_live);
    /* Agent 0.2.0 and later: the class inventory (absent: -1). */
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_suspect", "summary.loaders_suspect", false, false,
                     &rf->loaders_suspect);
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_shadowing", "summary.loaders_shadowing", false, false,
                     &rf->loaders_shadowing);
    if (rc == ML_OK)
        rc = get_int(c, sum, "shadowed_classes", "summary.shadowed_classes", false, false,
                     &rf->shadowed_classes);
    rf->lambdas = rf->proxies = rf->reflection_loaders = -1;
    if (rc == ML_OK && member(sum, "growth") != NULL) {
        const cJSON *g = NULL;

        rc = get_object(c, sum, "growth", "summary.growth", &g);
        if (rc == ML_OK)
            rc = get_int(c, g, "lambdas", "summary.growth.lambdas", true, false, &rf->lambdas);
        if (rc == ML_OK)
            rc = get_int(c, g, "proxies", "summary.growth.proxies", true, false, &rf->proxies);
        if (rc == ML_OK)
            rc = get_int(c, g, "reflection_loaders", "summary.growth.reflection_loaders", true,
                         false, &rf->reflection_loaders);
    }
    return rc;
}

/* True when the text ends inside a string or with an object or array still open: a file cut
 * short (a copy of a report being written, a full disk), not a malformed one. */
static bool ends_open(const char *data, size_t len)
{
    size_t depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char ch = data[i];

        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return in_string || depth > 0;
}

int ml_rfile_parse(const char *name, const char *data, size_t len, struct ml_rfile *rf,
                   char *err, size_t errlen)
{
    struct ctx c = {name, err, errlen};
    const cJSON *schema, *leaks, *loaders, *item;
    const char *end = NULL;
    size_t i;
    int rc;

    memset(rf, 0, sizeof(*rf));
    rf->path = strdup(name);
    if (rf->path == NULL) {
        snprintf(err, errlen, "'%s': out of memory", name);
        return ML_ERR_NOMEM;
    }
    if (len == 0)
        return bad(&c, "file", "is empty (a report being written is never empty: was it "
                               "copied half-way?)");
    rf->root = cJSON_ParseWithLengthOpts(data, len, &end, false);
    if (rf->root == NULL) {
        size_t at = end != NULL && end >= data ? (size_t)(end - data) : 0;

        snprintf(err, errlen, "'%s': not valid JSON (error at byte %zu of %zu%s)", name, at, len,
                 ends_open(data, len) ? ": the file ends too early, truncated?" : "");
        return ML_ERR_CONFIG;
    }
    if (!cJSON_IsObject(rf->root))
        return bad(&c, "document", "is not a JSON object, so not a metaleak report");
    schema = member(rf->root, "schema");
    if (!cJSON_IsString(schema))
        return bad(&c, "document", "has no \"schema\" string: not a metaleak report");
    if (strcmp(schema->valuestring, ML_REPORT_SCHEMA) != 0) {
        snprintf(err, errlen, "'%s': schema '%.64s' is not supported (this metaleak reads %s)",
                 name, schema->valuestring, ML_REPORT_SCHEMA);
        return ML_ERR_CONFIG;
    }
    rc = read_header(&c, rf->root, rf);
    if (rc == ML_OK)
        rc = get_array(&c, rf->root, "leaks", "leaks", &leaks);
    if (rc == ML_OK)
        rc = get_array(&c, rf->root, "loaders", "loaders", &loaders);
    if (rc != ML_OK)
        return rc;
    rf->leaks = calloc((size_t)cJSON_GetArraySize(leaks) + 1, sizeof(*rf->leaks));
    rf->loaders = calloc((size_t)cJSON_GetArraySize(loaders) + 1, sizeof(*rf->loaders));
    if (rf->leaks == NULL || rf->loaders == NULL)
        return bad(&c, "document", "is too large: out of memory");
    i = 0;
    cJSON_ArrayForEach(item, leaks) {
        rc = read_leak(&c, item, i, &rf->leaks[i]);
        rf->n_leaks = ++i;
        if (rc != ML_OK)
            return rc;
    }
    i = 0;
    cJSON_ArrayForEach(item, loaders) {
        rc = read_loader(&c, item, i, &rf->loaders[i]);
        rf->n_loaders = ++i;
        if (rc != ML_OK)
            return rc;
    }
    return ML_OK;
}

int ml_rfile_load(const char *path, struct ml_rfile *rf, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 1 << 16, len = 0;
    int rc;

    memset(rf, 0, sizeof(*rf));
    if (f == NULL) {
        snprintf(err, errlen, "'%s': cannot read: %s", path, strerror(errno));
        return ML_ERR_IO;
    }
    data = malloc(cap);
    while (data != NULL) {
        size_t n = fread(data + len, 1, cap - len, f);

        len += n;
        if (n == 0)
            break;
        if (len == cap) {
            char *grown;

            if (cap >= ML_REPORT_MAX_BYTES) {
                fclose(f);
                free(data);
                snprintf(err, errlen, "'%s': larger than %u MiB, not a metaleak report", path,
                         ML_REPORT_MAX_BYTES >> 20);
                return ML_ERR_CONFIG;
            }
            grown = realloc(data, cap * 2);
            if (grown == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
            cap *= 2;
        }
    }
    if (data == NULL || ferror(f)) {
        int saved = errno;

        fclose(f);
        free(data);
        snprintf(err, errlen, "'%s': cannot read: %s", path,
                 data == NULL ? "out of memory" : strerror(saved));
        return ML_ERR_IO;
    }
    fclose(f);
    rc = ml_rfile_parse(path, data, len, rf, err, errlen);
    free(data);
    return rc;
}

void ml_rfile_release(struct ml_rfile *rf)
{
    if (rf->leaks != NULL) {
        for (size_t i = 0; i < rf->n_leaks; i++)
            free(rf->leaks[i].urls);
    }
    free(rf->leaks);
    free(rf->loaders);
    cJSON_Delete(rf->root);
    free(rf->path);
    memset(rf, 0, sizeof(*rf));
}
