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

/* An optional boolean: absent or null reads as false. */
static int get_bool(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                    bool *out)
{
    const cJSON *v = member(obj, key);

    *out = false;
    if (v == NULL || cJSON_IsNull(v))
        return ML_OK;
    if (!cJSON_IsBool(v))
        return bad(c, field, "is not a boolean");
    *out = cJSON_IsTrue(v);
    return ML_OK;
}

/* An optional object: absent or null gives NULL. */
static int get_opt_object(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                          const cJSON **out)
{
    const cJSON *v = member(obj, key);

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return ML_OK;
    if (!cJSON_IsObject(v))
        return bad(c, field, "is not an object or null");
    *out = v;
    return ML_OK;
}

/* An optional array of strings into an owned array of pointers into the document. */
static int get_strings(struct ctx *c, const cJSON *obj, const char *key, const char *field,
                       const char ***out, size_t *n)
{
    const cJSON *arr = member(obj, key);
    const cJSON *u;
    size_t i = 0;

    *out = NULL;
    *n = 0;
    if (arr == NULL || cJSON_IsNull(arr))
        return ML_OK;
    if (!cJSON_IsArray(arr))
        return bad(c, field, "is not an array");
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
    if (*out == NULL)
        return bad(c, field, "is too large: out of memory");
    cJSON_ArrayForEach(u, arr) {
        if (!cJSON_IsString(u))
            return bad(c, field, "has an element that is not a string");
        (*out)[i++] = u->valuestring;
    }
    *n = i;
    return ML_OK;
}

/* leaks[i].path: the reference chain (agent 0.2.0+). */
static int read_steps(struct ctx *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    const cJSON *path = member(o, "path"), *st;
    char field[96];
    size_t i = 0;
    int rc = ML_OK;

    if (path == NULL || cJSON_IsNull(path))
        return ML_OK;
    snprintf(field, sizeof(field), "leaks[%zu].path", idx);
    if (!cJSON_IsArray(path))
        return bad(c, field, "is not an array or null");
    l->steps = calloc((size_t)cJSON_GetArraySize(path) + 1, sizeof(*l->steps));
    if (l->steps == NULL)
        return bad(c, field, "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "leaks[%zu].path[%zu].%s", idx, i, k), field)
    cJSON_ArrayForEach(st, path) {
        struct ml_rstep *s = &l->steps[i];

        if (!cJSON_IsObject(st)) {
            snprintf(field, sizeof(field), "leaks[%zu].path[%zu]", idx, i);
            return bad(c, field, "is not an object");
        }
        rc = get_str(c, st, "ref", F("ref"), false, &s->ref);
        if (rc == ML_OK)
            rc = get_str(c, st, "field", F("field"), false, &s->field);
        if (rc == ML_OK)
            rc = get_int(c, st, "index", F("index"), false, true, &s->index);
        if (rc == ML_OK)
            rc = get_str(c, st, "object", F("object"), false, &s->object);
        if (rc == ML_OK)
            rc = get_str(c, st, "class", F("class"), false, &s->class_name);
        if (rc == ML_OK)
            rc = get_int(c, st, "loader_id", F("loader_id"), false, true, &s->loader_id);
        if (rc == ML_OK)
            rc = get_str(c, st, "jar", F("jar"), false, &s->jar);
        if (rc == ML_OK)
            rc = get_str(c, st, "thread", F("thread"), false, &s->thread);
        if (rc == ML_OK)
            rc = get_str(c, st, "method", F("method"), false, &s->method);
        if (rc == ML_OK)
            rc = get_str(c, st, "key", F("key"), false, &s->key);
        if (rc == ML_OK)
            rc = get_bool(c, st, "owned", F("owned"), &s->owned);
        if (rc == ML_OK)
            rc = get_bool(c, st, "shutdown_hook", F("shutdown_hook"), &s->shutdown_hook);
        if (rc == ML_OK)
            rc = get_int(c, st, "owned_by", F("owned_by"), false, true, &s->owned_by);
        if (rc == ML_OK)
            rc = get_str(c, st, "runnable", F("runnable"), false, &s->runnable);
        l->n_steps = ++i;
        if (rc != ML_OK)
            return rc;
    }
#undef F
    return ML_OK;
}

/* leaks[i].known: the known library leak it matches (known-leaks catalogue), or null. */
static int read_known(struct ctx *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    const cJSON *k = NULL;
    char field[64];
    int rc;

    snprintf(field, sizeof(field), "leaks[%zu].known", idx);
    rc = get_opt_object(c, o, "known", field, &k);
    if (rc != ML_OK || k == NULL)
        return rc;
    l->known = calloc(1, sizeof(*l->known));
    if (l->known == NULL)
        return bad(c, field, "out of memory");
#define F(key) (snprintf(field, sizeof(field), "leaks[%zu].known.%s", idx, key), field)
    rc = get_str(c, k, "id", F("id"), true, &l->known->id);
    if (rc == ML_OK)
        rc = get_str(c, k, "library", F("library"), false, &l->known->library);
    if (rc == ML_OK)
        rc = get_str(c, k, "title", F("title"), false, &l->known->title);
    if (rc == ML_OK)
        rc = get_str(c, k, "fixed_in", F("fixed_in"), false, &l->known->fixed_in);
    if (rc == ML_OK)
        rc = get_str(c, k, "advice", F("advice"), false, &l->known->advice);
    if (rc == ML_OK)
        rc = get_strings(c, k, "references", F("references"), &l->known->references,
                         &l->known->n_references);
#undef F
    return rc;
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
    if (rc == ML_OK)
        rc = get_str(c, o, "name", F("name"), false, &l->name);
    if (rc == ML_OK)
        rc = get_str(c, o, "path_status", F("path_status"), false, &l->path_status);
    if (rc == ML_OK)
        rc = get_str(c, o, "signature", F("signature"), false, &l->signature);
#undef F
    if (rc == ML_OK)
        rc = read_steps(c, o, idx, l);
    if (rc == ML_OK)
        rc = read_known(c, o, idx, l);
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}

static int read_loader(struct ctx *c, const cJSON *o, size_t idx, struct ml_rloader *l)
{
    char field[64];
    const cJSON *flink, *urls, *growth = NULL, *shadowed = NULL, *withdrawn = NULL,
                *in_use = NULL;
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
    if (rc == ML_OK && flink != NULL && cJSON_IsObject(flink))
        rc = get_str(c, flink, "role", F("flink.role"), false, &l->role);
    urls = member(o, "urls");
    if (rc == ML_OK && cJSON_IsArray(urls) && cJSON_IsString(cJSON_GetArrayItem(urls, 0)))
        l->first_url = cJSON_GetArrayItem(urls, 0)->valuestring;
    if (rc == ML_OK)
        rc = get_str(c, o, "name", F("name"), false, &l->name);
    if (rc == ML_OK)
        rc = get_int(c, o, "parent_id", F("parent_id"), false, true, &l->parent_id);
    if (rc == ML_OK)
        rc = get_int(c, o, "closed_ms", F("closed_ms"), false, true, &l->closed_ms);
    if (rc == ML_OK)
        rc = get_bool(c, o, "awaiting_unload", F("awaiting_unload"), &l->awaiting_unload);
    if (rc == ML_OK)
        rc = get_bool(c, o, "suspect", F("suspect"), &l->suspect);
    if (rc == ML_OK)
        rc = get_bool(c, o, "softly_reachable", F("softly_reachable"), &l->softly_reachable);
    if (rc == ML_OK)
        rc = get_opt_object(c, o, "in_use", F("in_use"), &in_use);
    l->in_use = in_use != NULL;
    if (rc == ML_OK)
        rc = get_opt_object(c, o, "withdrawn", F("withdrawn"), &withdrawn);
    if (rc == ML_OK && withdrawn != NULL)
        rc = get_str(c, withdrawn, "reason", F("withdrawn.reason"), true, &l->withdrawn);
    l->lambdas = l->proxies = l->shadowed = -1;
    if (rc == ML_OK)
        rc = get_opt_object(c, o, "growth", F("growth"), &growth);
    if (rc == ML_OK && growth != NULL) {
        rc = get_str(c, growth, "kind", F("growth.kind"), false, &l->growth_kind);
        if (rc == ML_OK)
            rc = get_int(c, growth, "lambdas", F("growth.lambdas"), false, true, &l->lambdas);
        if (rc == ML_OK)
            rc = get_int(c, growth, "proxies", F("growth.proxies"), false, true, &l->proxies);
    }
    if (rc == ML_OK)
        rc = get_opt_object(c, o, "shadowed_classes", F("shadowed_classes"), &shadowed);
    if (rc == ML_OK && shadowed != NULL)
        rc = get_int(c, shadowed, "count", F("shadowed_classes.count"), false, true,
                     &l->shadowed);
#undef F
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}

static int read_header(struct ctx *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *jvm, *ms, *sum;
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
    rf->oom_first_ms = rf->oom_last_ms = -1;
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
        if (rc == ML_OK)
            rc = get_int(c, o, "last_ms", "metaspace.out_of_memory.last_ms", false, true,
                         &rf->oom_last_ms);
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
    /* Withdrawn verdicts, softly reachable and in-use loaders (absent: -1). */
    if (rc == ML_OK)
        rc = get_int(c, sum, "leaks_withdrawn", "summary.leaks_withdrawn", false, false,
                     &rf->leaks_withdrawn);
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_softly_reachable", "summary.loaders_softly_reachable",
                     false, false, &rf->loaders_softly_reachable);
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_in_use", "summary.loaders_in_use", false, false,
                     &rf->loaders_in_use);
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

/* metaspace.samples: every sample, for the chart; first and last used_bytes for growth. */
static int read_samples(struct ctx *c, const cJSON *ms, struct ml_rfile *rf)
{
    const cJSON *samples = member(ms, "samples"), *s;
    char field[64];
    size_t i = 0;
    int rc = ML_OK;

    rf->first_sample_used = rf->last_sample_used = -1;
    if (samples == NULL || cJSON_IsNull(samples))
        return ML_OK;
    if (!cJSON_IsArray(samples))
        return bad(c, "metaspace.samples", "is not an array");
    rf->samples = calloc((size_t)cJSON_GetArraySize(samples) + 1, sizeof(*rf->samples));
    if (rf->samples == NULL)
        return bad(c, "metaspace.samples", "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "metaspace.samples[%zu].%s", i, k), field)
    cJSON_ArrayForEach(s, samples) {
        struct ml_rsample *o = &rf->samples[i];

        if (!cJSON_IsObject(s))
            return bad(c, "metaspace.samples", "has an element that is not an object");
        rc = get_int(c, s, "used_bytes", F("used_bytes"), true, false, &o->used_bytes);
        if (rc == ML_OK)
            rc = get_int(c, s, "t_ms", F("t_ms"), false, false, &o->t_ms);
        if (rc == ML_OK)
            rc = get_int(c, s, "committed_bytes", F("committed_bytes"), false, true,
                         &o->committed_bytes);
        if (rc == ML_OK)
            rc = get_int(c, s, "loaders_live", F("loaders_live"), false, true, &o->loaders_live);
        if (rc == ML_OK)
            rc = get_int(c, s, "classes_live", F("classes_live"), false, true, &o->classes_live);
        if (rc == ML_OK)
            rc = get_bool(c, s, "after_full_gc", F("after_full_gc"), &o->after_full_gc);
        rf->n_samples = ++i;
        if (rc != ML_OK)
            return rc;
    }
#undef F
    if (rf->n_samples > 0) {
        rf->first_sample_used = rf->samples[0].used_bytes;
        rf->last_sample_used = rf->samples[rf->n_samples - 1].used_bytes;
    }
    return ML_OK;
}

/* flink_config: the file, its error and the values (a Flink process), or null. */
static int read_flink_config(struct ctx *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *fc = NULL, *values = NULL, *v;
    size_t i = 0;
    int rc = get_opt_object(c, root, "flink_config", "flink_config", &fc);

    if (rc != ML_OK || fc == NULL)
        return rc;
    rf->has_flink_config = true;
    rc = get_str(c, fc, "file", "flink_config.file", false, &rf->flink_config_file);
    if (rc == ML_OK)
        rc = get_str(c, fc, "error", "flink_config.error", false, &rf->flink_config_error);
    if (rc == ML_OK)
        rc = get_opt_object(c, fc, "values", "flink_config.values", &values);
    if (rc != ML_OK || values == NULL)
        return rc;
    rf->flink_config = calloc((size_t)cJSON_GetArraySize(values) + 1, sizeof(*rf->flink_config));
    if (rf->flink_config == NULL)
        return bad(c, "flink_config.values", "is too large: out of memory");
    cJSON_ArrayForEach(v, values) {
        if (!cJSON_IsNull(v) && !cJSON_IsString(v))
            return bad(c, "flink_config.values", "has a value that is not a string or null");
        rf->flink_config[i].key = v->string;
        rf->flink_config[i].value = cJSON_IsString(v) ? v->valuestring : NULL;
        rf->n_flink_config = ++i;
    }
    return ML_OK;
}

/* paths.groups: leaked loaders grouped by the shape of their path (agent 0.2.0+). */
static int read_path_groups(struct ctx *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *paths = NULL, *groups, *g;
    char field[64];
    size_t i = 0;
    int rc = get_opt_object(c, root, "paths", "paths", &paths);

    if (rc != ML_OK || paths == NULL)
        return rc;
    rc = get_str(c, paths, "mode", "paths.mode", false, &rf->paths_mode);
    groups = member(paths, "groups");
    if (rc != ML_OK || groups == NULL || cJSON_IsNull(groups))
        return rc;
    if (!cJSON_IsArray(groups))
        return bad(c, "paths.groups", "is not an array");
    rf->path_groups = calloc((size_t)cJSON_GetArraySize(groups) + 1, sizeof(*rf->path_groups));
    if (rf->path_groups == NULL)
        return bad(c, "paths.groups", "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "paths.groups[%zu].%s", i, k), field)
    cJSON_ArrayForEach(g, groups) {
        struct ml_rpgroup *pg = &rf->path_groups[i];
        const cJSON *ids, *id;
        uint64_t *out;
        size_t k = 0;

        rf->n_path_groups = i + 1; /* released with the file, also on error */
        if (!cJSON_IsObject(g))
            return bad(c, "paths.groups", "has an element that is not an object");
        rc = get_str(c, g, "cause", F("cause"), false, &pg->cause);
        if (rc == ML_OK)
            rc = get_str(c, g, "shape", F("shape"), false, &pg->shape);
        if (rc == ML_OK)
            rc = get_str(c, g, "signature", F("signature"), false, &pg->signature);
        if (rc == ML_OK)
            rc = get_array(c, g, "loader_ids", F("loader_ids"), &ids);
        if (rc != ML_OK)
            return rc;
        out = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*out));
        if (out == NULL)
            return bad(c, F("loader_ids"), "is too large: out of memory");
        pg->loader_ids = out;
        cJSON_ArrayForEach(id, ids) {
            double d = cJSON_IsNumber(id) ? id->valuedouble : -1;

            if (!isfinite(d) || d < 0 || d > MAX_EXACT || floor(d) != d)
                return bad(c, F("loader_ids"), "has an element that is not a whole number");
            out[k++] = (uint64_t)d;
        }
        pg->n_loader_ids = k;
        i++;
    }
#undef F
    return ML_OK;
}

/* What the HTML page and the gates read besides the header: agent, samples, Metaspace details,
 * summary and dropped counts, collectors, Flink configuration, path groups. Each is optional
 * (older agents lack some) but, when present, must have its documented type. */
static int read_details(struct ctx *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *agent = NULL, *opts = NULL, *ms, *ccs = NULL, *sum, *dropped = NULL, *gc = NULL;
    const cJSON *fc;
    int rc;

    rf->verify_on_exit = -1;
    rf->metaspace_reserved = rf->ccs_used = rf->ccs_committed = rf->ccs_max = -1;
    rf->hidden_class_bytes = rf->baseline_growth = -1;
    rf->loaders_total = rf->loaders_closed = rf->hidden_classes_live = -1;
    rf->dropped_loaders = rf->dropped_urls = rf->dropped_history = -1;
    rf->n_full_collectors = rf->full_gcs = -1;
    rc = get_opt_object(c, root, "agent", "agent", &agent);
    if (rc == ML_OK && agent != NULL) {
        rc = get_str(c, agent, "version", "agent.version", false, &rf->agent_version);
        if (rc == ML_OK)
            rc = get_bool(c, agent, "attached", "agent.attached", &rf->attached);
        if (rc == ML_OK)
            rc = get_opt_object(c, agent, "options", "agent.options", &opts);
        if (rc == ML_OK && opts != NULL && member(opts, "verify_on_exit") != NULL) {
            bool v = false;

            rc = get_bool(c, opts, "verify_on_exit", "agent.options.verify_on_exit", &v);
            rf->verify_on_exit = v ? 1 : 0;
        }
    }
    ms = member(root, "metaspace"); /* an object: read_header checked it */
    if (rc == ML_OK)
        rc = read_samples(c, ms, rf);
    if (rc == ML_OK)
        rc = get_int(c, ms, "reserved_bytes", "metaspace.reserved_bytes", false, true,
                     &rf->metaspace_reserved);
    if (rc == ML_OK)
        rc = get_int(c, ms, "hidden_class_bytes", "metaspace.hidden_class_bytes", false, true,
                     &rf->hidden_class_bytes);
    if (rc == ML_OK)
        rc = get_int(c, ms, "baseline_growth_bytes", "metaspace.baseline_growth_bytes", false,
                     true, &rf->baseline_growth);
    if (rc == ML_OK)
        rc = get_str(c, ms, "source", "metaspace.source", false, &rf->metaspace_source);
    if (rc == ML_OK)
        rc = get_opt_object(c, ms, "compressed_class_space", "metaspace.compressed_class_space",
                            &ccs);
    if (rc == ML_OK && ccs != NULL) {
        rc = get_int(c, ccs, "used_bytes", "metaspace.compressed_class_space.used_bytes", false,
                     true, &rf->ccs_used);
        if (rc == ML_OK)
            rc = get_int(c, ccs, "committed_bytes",
                         "metaspace.compressed_class_space.committed_bytes", false, true,
                         &rf->ccs_committed);
        if (rc == ML_OK)
            rc = get_int(c, ccs, "max_bytes", "metaspace.compressed_class_space.max_bytes", false,
                         true, &rf->ccs_max);
    }
    sum = member(root, "summary"); /* an object: read_header checked it */
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_total", "summary.loaders_total", false, false,
                     &rf->loaders_total);
    if (rc == ML_OK)
        rc = get_int(c, sum, "loaders_closed", "summary.loaders_closed", false, false,
                     &rf->loaders_closed);
    if (rc == ML_OK)
        rc = get_int(c, sum, "hidden_classes_live", "summary.hidden_classes_live", false, false,
                     &rf->hidden_classes_live);
    if (rc == ML_OK)
        rc = get_opt_object(c, root, "dropped", "dropped", &dropped);
    if (rc == ML_OK && dropped != NULL) {
        rc = get_int(c, dropped, "loaders", "dropped.loaders", false, false,
                     &rf->dropped_loaders);
        if (rc == ML_OK)
            rc = get_int(c, dropped, "urls", "dropped.urls", false, false, &rf->dropped_urls);
        if (rc == ML_OK)
            rc = get_int(c, dropped, "unloaded_history", "dropped.unloaded_history", false,
                         false, &rf->dropped_history);
    }
    if (rc == ML_OK)
        rc = get_opt_object(c, root, "gc", "gc", &gc);
    if (rc == ML_OK && gc != NULL) {
        const char **full = NULL;
        size_t n_full = 0;

        rc = get_strings(c, gc, "collectors", "gc.collectors", &rf->collectors,
                         &rf->n_collectors);
        fc = member(gc, "full_collectors");
        if (rc == ML_OK && fc != NULL) {
            rc = get_strings(c, gc, "full_collectors", "gc.full_collectors", &full, &n_full);
            rf->n_full_collectors = (int64_t)n_full;
            free((void *)full);
        }
        if (rc == ML_OK)
            rc = get_int(c, gc, "full_gcs", "gc.full_gcs", false, false, &rf->full_gcs);
        if (rc == ML_OK)
            rc = get_bool(c, gc, "concurrent", "gc.concurrent", &rf->gc_concurrent);
    }
    if (rc == ML_OK)
        rc = read_flink_config(c, root, rf);
    if (rc == ML_OK)
        rc = read_path_groups(c, root, rf);
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
        rc = read_details(&c, rf->root, rf);
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
        for (size_t i = 0; i < rf->n_leaks; i++) {
            free(rf->leaks[i].urls);
            free(rf->leaks[i].steps);
            if (rf->leaks[i].known != NULL)
                free((void *)rf->leaks[i].known->references);
            free(rf->leaks[i].known);
        }
    }
    for (size_t i = 0; rf->path_groups != NULL && i < rf->n_path_groups; i++)
        free((void *)rf->path_groups[i].loader_ids);
    free(rf->path_groups);
    free(rf->samples);
    free((void *)rf->collectors);
    free(rf->flink_config);
    free(rf->leaks);
    free(rf->loaders);
    cJSON_Delete(rf->root);
    free(rf->path);
    memset(rf, 0, sizeof(*rf));
}
