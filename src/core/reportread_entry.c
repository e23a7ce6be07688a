/* Reading one entry of leaks[] or loaders[] (see reportread_entry.h). */
#include "reportread_entry.h"

#include <stdio.h>
#include <stdlib.h>

#include "metaleak/error.h"

static int get_urls(struct ml_jget *c, const cJSON *obj, const char *field, const char ***urls,
                    size_t *n)
{
    const cJSON *arr = ml_jget_member(obj, "urls");
    const cJSON *u;
    size_t i = 0;

    *urls = NULL;
    *n = 0;
    if (arr == NULL || cJSON_IsNull(arr))
        return ML_OK;
    if (!cJSON_IsArray(arr))
        return ml_jget_bad(c, field, "is not an array");
    *urls = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**urls));
    if (*urls == NULL)
        return ml_jget_bad(c, field, "urls: out of memory");
    cJSON_ArrayForEach(u, arr) {
        if (!cJSON_IsString(u))
            return ml_jget_bad(c, field, "urls has an element that is not a string");
        (*urls)[i++] = u->valuestring;
    }
    *n = i;
    return ML_OK;
}

/* leaks[i].path: the reference chain (agent 0.2.0+). */
static int read_steps(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    const cJSON *path = ml_jget_member(o, "path"), *st;
    char field[96];
    size_t i = 0;
    int rc = ML_OK;

    if (path == NULL || cJSON_IsNull(path))
        return ML_OK;
    snprintf(field, sizeof(field), "leaks[%zu].path", idx);
    if (!cJSON_IsArray(path))
        return ml_jget_bad(c, field, "is not an array or null");
    l->steps = calloc((size_t)cJSON_GetArraySize(path) + 1, sizeof(*l->steps));
    if (l->steps == NULL)
        return ml_jget_bad(c, field, "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "leaks[%zu].path[%zu].%s", idx, i, k), field)
    cJSON_ArrayForEach(st, path) {
        struct ml_rstep *s = &l->steps[i];

        if (!cJSON_IsObject(st)) {
            snprintf(field, sizeof(field), "leaks[%zu].path[%zu]", idx, i);
            return ml_jget_bad(c, field, "is not an object");
        }
        rc = ml_jget_str(c, st, "ref", F("ref"), false, &s->ref);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "field", F("field"), false, &s->field);
        if (rc == ML_OK)
            rc = ml_jget_int(c, st, "index", F("index"), false, true, &s->index);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "object", F("object"), false, &s->object);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "class", F("class"), false, &s->class_name);
        if (rc == ML_OK)
            rc = ml_jget_int(c, st, "loader_id", F("loader_id"), false, true, &s->loader_id);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "jar", F("jar"), false, &s->jar);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "thread", F("thread"), false, &s->thread);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "method", F("method"), false, &s->method);
        if (rc == ML_OK)
            rc = ml_jget_str(c, st, "key", F("key"), false, &s->key);
        if (rc == ML_OK)
            rc = ml_jget_bool(c, st, "owned", F("owned"), &s->owned);
        if (rc == ML_OK)
            rc = ml_jget_bool(c, st, "shutdown_hook", F("shutdown_hook"), &s->shutdown_hook);
        l->n_steps = ++i;
        if (rc != ML_OK)
            return rc;
    }
#undef F
    return ML_OK;
}

/* leaks[i].known: the known library leak it matches (known-leaks catalogue), or null. */
static int read_known(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    const cJSON *k = NULL;
    char field[64];
    int rc;

    snprintf(field, sizeof(field), "leaks[%zu].known", idx);
    rc = ml_jget_opt_object(c, o, "known", field, &k);
    if (rc != ML_OK || k == NULL)
        return rc;
    l->known = calloc(1, sizeof(*l->known));
    if (l->known == NULL)
        return ml_jget_bad(c, field, "out of memory");
#define F(key) (snprintf(field, sizeof(field), "leaks[%zu].known.%s", idx, key), field)
    rc = ml_jget_str(c, k, "id", F("id"), true, &l->known->id);
    if (rc == ML_OK)
        rc = ml_jget_str(c, k, "library", F("library"), false, &l->known->library);
    if (rc == ML_OK)
        rc = ml_jget_str(c, k, "title", F("title"), false, &l->known->title);
    if (rc == ML_OK)
        rc = ml_jget_str(c, k, "fixed_in", F("fixed_in"), false, &l->known->fixed_in);
    if (rc == ML_OK)
        rc = ml_jget_str(c, k, "advice", F("advice"), false, &l->known->advice);
    if (rc == ML_OK)
        rc = ml_jget_strings(c, k, "references", F("references"), &l->known->references,
                             &l->known->n_references);
#undef F
    return rc;
}

int ml_rread_leak(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rleak *l)
{
    char field[64];
    int64_t v = 0;
    const cJSON *path;
    int rc;

    snprintf(field, sizeof(field), "leaks[%zu]", idx);
    if (!cJSON_IsObject(o))
        return ml_jget_bad(c, field, "is not an object");
#define F(k) (snprintf(field, sizeof(field), "leaks[%zu].%s", idx, k), field)
    rc = ml_jget_int(c, o, "loader_id", F("loader_id"), true, false, &v);
    l->loader_id = (uint64_t)v;
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "class", F("class"), false, &l->class_name);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "identity_hash", F("identity_hash"), false, &l->identity_hash);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "job_id", F("job_id"), false, &l->job_id);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "cause", F("cause"), false, &l->cause);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "advice", F("advice"), false, &l->advice);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "proof", F("proof"), false, &l->proof);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, o, "classes_live", F("classes_live"), &l->classes_live);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "metaspace_bytes", F("metaspace_bytes"), false, true,
                         &l->metaspace_bytes);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "closed_ms", F("closed_ms"), false, true, &l->closed_ms);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "leaked_ms", F("leaked_ms"), false, true, &l->leaked_ms);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "unloaded_ms", F("unloaded_ms"), false, true, &l->unloaded_ms);
    if (rc == ML_OK) {
        rc = ml_jget_int(c, o, "gcs_since_close", F("gcs_since_close"), false, true, &v);
        l->gcs_since_close = v < 0 ? 0 : (uint64_t)v;
    }
    if (rc == ML_OK)
        rc = get_urls(c, o, F("urls"), &l->urls, &l->n_urls);
    /* The explanation issue adds `path`, a list of steps; a one-line rendering if present. */
    path = ml_jget_member(o, "path_summary");
    if (rc == ML_OK && cJSON_IsString(path))
        l->path_line = path->valuestring;
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "name", F("name"), false, &l->name);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "path_status", F("path_status"), false, &l->path_status);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "signature", F("signature"), false, &l->signature);
#undef F
    if (rc == ML_OK)
        rc = read_steps(c, o, idx, l);
    if (rc == ML_OK)
        rc = read_known(c, o, idx, l);
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}

int ml_rread_loader(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rloader *l)
{
    char field[64];
    const cJSON *flink, *urls, *growth = NULL, *shadowed = NULL;
    int64_t v = 0;
    int rc;

    snprintf(field, sizeof(field), "loaders[%zu]", idx);
    if (!cJSON_IsObject(o))
        return ml_jget_bad(c, field, "is not an object");
#define F(k) (snprintf(field, sizeof(field), "loaders[%zu].%s", idx, k), field)
    rc = ml_jget_int(c, o, "id", F("id"), true, false, &v);
    l->id = (uint64_t)v;
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "class", F("class"), false, &l->class_name);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "identity_hash", F("identity_hash"), false, &l->identity_hash);
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "state", F("state"), true, &l->state);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, o, "classes_live", F("classes_live"), &l->classes_live);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "metaspace_bytes", F("metaspace_bytes"), false, true,
                         &l->metaspace_bytes);
    flink = ml_jget_member(o, "flink");
    if (rc == ML_OK && flink != NULL && !cJSON_IsNull(flink)) {
        if (!cJSON_IsObject(flink))
            rc = ml_jget_bad(c, F("flink"), "is not an object or null");
        else
            rc = ml_jget_str(c, flink, "job_id", F("flink.job_id"), false, &l->job_id);
    }
    if (rc == ML_OK && flink != NULL && cJSON_IsObject(flink))
        rc = ml_jget_str(c, flink, "role", F("flink.role"), false, &l->role);
    urls = ml_jget_member(o, "urls");
    if (rc == ML_OK && cJSON_IsArray(urls) && cJSON_IsString(cJSON_GetArrayItem(urls, 0)))
        l->first_url = cJSON_GetArrayItem(urls, 0)->valuestring;
    if (rc == ML_OK)
        rc = ml_jget_str(c, o, "name", F("name"), false, &l->name);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "parent_id", F("parent_id"), false, true, &l->parent_id);
    if (rc == ML_OK)
        rc = ml_jget_int(c, o, "closed_ms", F("closed_ms"), false, true, &l->closed_ms);
    if (rc == ML_OK)
        rc = ml_jget_bool(c, o, "awaiting_unload", F("awaiting_unload"), &l->awaiting_unload);
    if (rc == ML_OK)
        rc = ml_jget_bool(c, o, "suspect", F("suspect"), &l->suspect);
    l->lambdas = l->proxies = l->shadowed = -1;
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, o, "growth", F("growth"), &growth);
    if (rc == ML_OK && growth != NULL) {
        rc = ml_jget_str(c, growth, "kind", F("growth.kind"), false, &l->growth_kind);
        if (rc == ML_OK)
            rc = ml_jget_int(c, growth, "lambdas", F("growth.lambdas"), false, true, &l->lambdas);
        if (rc == ML_OK)
            rc = ml_jget_int(c, growth, "proxies", F("growth.proxies"), false, true, &l->proxies);
    }
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, o, "shadowed_classes", F("shadowed_classes"), &shadowed);
    if (rc == ML_OK && shadowed != NULL)
        rc = ml_jget_int(c, shadowed, "count", F("shadowed_classes.count"), false, true,
                         &l->shadowed);
#undef F
    if (l->class_name == NULL)
        l->class_name = "?";
    return rc;
}
