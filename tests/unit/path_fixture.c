/* Recorded reference paths for the unit tests (see path_fixture.h). */
#include "path_fixture.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "testutil.h"

#ifndef ML_KNOWN_PATHS
#error "ML_KNOWN_PATHS (the fixture directory) must be defined"
#endif

static char *dup_or_null(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsString(v))
        return NULL;
    return strdup(v->valuestring);
}

static enum ml_ref ref_of(const char *name, bool root)
{
    if (root) {
        if (strcmp(name, "class") == 0)
            return ML_REF_ANCHOR_CLASS;
        if (strcmp(name, "thread") == 0)
            return ML_REF_ROOT_THREAD;
        if (strcmp(name, "other") == 0)
            return ML_REF_ROOT_OTHER;
        for (int r = ML_REF_ROOT_JNI_GLOBAL; r <= ML_REF_ANCHOR_CLASS; r++)
            if (strcmp(name, ml_ref_name((enum ml_ref)r)) == 0)
                return (enum ml_ref)r;
    } else {
        for (int r = ML_REF_OTHER; r <= ML_REF_SUPERCLASS; r++)
            if (strcmp(name, ml_ref_name((enum ml_ref)r)) == 0)
                return (enum ml_ref)r;
    }
    fail_msg("unknown ref '%s'", name);
    return ML_REF_OTHER;
}

static enum ml_pg_object object_of(const char *name)
{
    if (strcmp(name, "class") == 0)
        return ML_OBJ_CLASS;
    if (strcmp(name, "loader") == 0)
        return ML_OBJ_LOADER;
    if (strcmp(name, "thread") == 0)
        return ML_OBJ_THREAD;
    assert_string_equal(name, "instance");
    return ML_OBJ_INSTANCE;
}

static void path_from(const cJSON *arr, struct ml_path *p)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    const cJSON *st;

    memset(p, 0, sizeof(*p));
    assert_true(n > 0);
    p->steps = calloc(n, sizeof(*p->steps));
    assert_non_null(p->steps);
    cJSON_ArrayForEach(st, arr) {
        struct ml_step *s = &p->steps[i];
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(st, "ref");
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(st, "object");
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(st, "index");
        const cJSON *lid = cJSON_GetObjectItemCaseSensitive(st, "loader_id");

        assert_true(cJSON_IsString(ref) && cJSON_IsString(obj));
        s->ref = ref_of(ref->valuestring, i == 0);
        s->object = object_of(obj->valuestring);
        s->index = cJSON_IsNumber(idx) ? (int32_t)idx->valuedouble : -1;
        s->loader_id = cJSON_IsNumber(lid) ? (uint64_t)lid->valuedouble : UINT64_MAX;
        s->field = dup_or_null(st, "field");
        s->class_name = dup_or_null(st, "class");
        s->jar = dup_or_null(st, "jar");
        s->thread = dup_or_null(st, "thread");
        s->method = dup_or_null(st, "method");
        s->key = dup_or_null(st, "key");
        s->owned = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "owned"));
        s->hook = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "shutdown_hook"));
        i++;
    }
    p->n_steps = n;
}

void pf_path_from_json(const char *json, struct ml_path *out)
{
    cJSON *arr = cJSON_Parse(json);

    assert_non_null(arr);
    path_from(arr, out);
    cJSON_Delete(arr);
}

struct pf_leak *pf_load(const char *file, size_t *n)
{
    char *path = tu_join(ML_KNOWN_PATHS, file);
    char *text = tu_read_file(path, NULL);
    cJSON *doc, *leaks, *l;
    struct pf_leak *out;
    size_t i = 0;

    if (text == NULL)
        fail_msg("cannot read fixture %s", path);
    doc = cJSON_Parse(text);
    assert_non_null(doc);
    leaks = cJSON_GetObjectItemCaseSensitive(doc, "leaks");
    assert_true(cJSON_IsArray(leaks));
    *n = (size_t)cJSON_GetArraySize(leaks);
    out = calloc(*n + 1, sizeof(*out));
    assert_non_null(out);
    cJSON_ArrayForEach(l, leaks) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(l, "path");

        assert_true(cJSON_IsArray(arr));
        path_from(arr, &out[i].path);
        out[i].cause = dup_or_null(l, "cause");
        i++;
    }
    cJSON_Delete(doc);
    free(text);
    free(path);
    return out;
}

void pf_free(struct pf_leak *leaks, size_t n)
{
    if (leaks == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        ml_path_clear(&leaks[i].path);
        free(leaks[i].cause);
    }
    free(leaks);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **pf_list(void)
{
    DIR *d = opendir(ML_KNOWN_PATHS);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        names = realloc(names, (n + 2) * sizeof(*names));
        assert_non_null(names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    assert_true(n > 0);
    qsort(names, n, sizeof(*names), by_name);
    names[n] = NULL;
    return names;
}

void pf_free_names(char **names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
}
