/* Leaks grouped by leak across reports (see leakgroup.h for the key). */
#include "metaleak/leakgroup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"

#define KEY_MAX (64u * 1024u) /* longer keys are cut: a collision would need 64 KiB in common */

struct key {
    char *buf;
    size_t len, cap;
    bool oom;
};

static void put(struct key *k, const char *s)
{
    size_t n = strlen(s);

    if (k->oom || k->len >= KEY_MAX)
        return;
    if (k->len + n + 1 > k->cap) {
        size_t cap = k->cap ? k->cap : 256;
        char *grown;

        while (cap < k->len + n + 1)
            cap *= 2;
        grown = realloc(k->buf, cap);
        if (grown == NULL) {
            k->oom = true;
            return;
        }
        k->buf = grown;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, s, n + 1);
    k->len += n;
}

static void put_or(struct key *k, const char *s)
{
    put(k, s != NULL ? s : "-");
}

/* The file name of a jar URL, without Flink's per-upload blob suffix. */
static void put_jar(struct key *k, const char *url)
{
    const char *name, *dash;
    char buf[512];

    if (url == NULL) {
        put(k, "-");
        return;
    }
    name = strrchr(url, '/');
    name = name != NULL && name[1] != '\0' ? name + 1 : url;
    dash = strrchr(name, '-');
    if (strncmp(name, "blob_", 5) == 0 && dash != NULL && strchr(name, '-') != dash) {
        snprintf(buf, sizeof(buf), "%.*s", (int)(dash - name), name);
        put(k, buf);
    } else {
        put(k, name);
    }
}

char *ml_leak_key(const struct ml_rfile *rf, const struct ml_rleak *l)
{
    struct key k = {NULL, 0, 0, false};

    (void)rf;
    if (l->signature != NULL) {
        put(&k, "signature ");
        put(&k, l->signature);
    } else if (l->n_steps > 0) {
        put(&k, "path ");
        put_or(&k, l->cause);
        for (size_t i = 0; i < l->n_steps; i++) {
            const struct ml_rstep *s = &l->steps[i];

            put(&k, i == 0 ? " | " : " -> ");
            put_or(&k, s->ref);
            if (s->field != NULL) {
                put(&k, ".");
                put(&k, s->field);
            }
            if (s->index >= 0)
                put(&k, "[]");
            put(&k, " ");
            put_or(&k, s->object);
            put(&k, " ");
            put_or(&k, s->class_name);
            if (s->method != NULL) {
                put(&k, " in ");
                put(&k, s->method);
            }
            if (s->shutdown_hook)
                put(&k, " (hook)");
            if (s->owned)
                put(&k, " (owned)");
        }
    } else {
        put(&k, "loader ");
        put_or(&k, l->class_name);
        put(&k, " | ");
        put_or(&k, l->cause);
        put(&k, " | ");
        put_jar(&k, l->n_urls > 0 ? l->urls[0] : NULL);
    }
    if (k.oom || k.buf == NULL) {
        free(k.buf);
        return NULL;
    }
    return k.buf;
}

/* The agent's own shape text for loader id, NULL when the report has none. */
static const char *agent_shape(const struct ml_rfile *rf, uint64_t id)
{
    for (size_t i = 0; i < rf->n_path_groups; i++) {
        const struct ml_rpgroup *g = &rf->path_groups[i];

        for (size_t j = 0; j < g->n_loader_ids; j++) {
            if (g->loader_ids[j] == id)
                return g->shape;
        }
    }
    return NULL;
}

static bool add_member(struct ml_lgroup *g, size_t r, size_t i, const struct ml_rleak *l)
{
    struct ml_lmember *grown = realloc(g->members, (g->n_members + 1) * sizeof(*grown));

    if (grown == NULL)
        return false;
    g->members = grown;
    g->members[g->n_members].report = r;
    g->members[g->n_members].leak = i;
    g->n_members++;
    g->loaders++;
    g->classes_live += l->classes_live;
    if (l->metaspace_bytes >= 0)
        g->metaspace_bytes = (g->metaspace_bytes < 0 ? 0 : g->metaspace_bytes) +
                             l->metaspace_bytes;
    if (l->unloaded_ms < 0)
        g->still_alive++;
    if (strcmp(l->class_name, g->example->class_name) != 0)
        g->mixed_classes = true;
    g->in_report[r] = true;
    if (l->job_id != NULL) {
        const char **jobs;

        for (size_t j = 0; j < g->n_jobs; j++) {
            if (strcmp(g->jobs[j], l->job_id) == 0)
                return true;
        }
        jobs = realloc(g->jobs, (g->n_jobs + 1) * sizeof(*jobs));
        if (jobs == NULL)
            return false;
        g->jobs = jobs;
        g->jobs[g->n_jobs++] = l->job_id;
    }
    return true;
}

static int by_cost(const void *a, const void *b)
{
    const struct ml_lgroup *x = a, *y = b;

    if (x->metaspace_bytes != y->metaspace_bytes)
        return x->metaspace_bytes < y->metaspace_bytes ? 1 : -1;
    if (x->loaders != y->loaders)
        return x->loaders < y->loaders ? 1 : -1;
    return strcmp(x->key, y->key);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int ml_lgroups_build(const struct ml_rfile *rfs, size_t n, struct ml_lgroups *out)
{
    size_t total = 0, cap = 16, *slot = NULL; /* open addressing: group index + 1, 0 = free */

    memset(out, 0, sizeof(*out));
    for (size_t r = 0; r < n; r++)
        total += rfs[r].n_leaks;
    while (cap < 2 * total)
        cap *= 2;
    slot = calloc(cap, sizeof(*slot));
    if (slot == NULL)
        return ML_ERR_NOMEM;
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < rfs[r].n_leaks; i++) {
            const struct ml_rleak *l = &rfs[r].leaks[i];
            char *key = ml_leak_key(&rfs[r], l);
            struct ml_lgroup *g = NULL;
            size_t s;

            if (key == NULL)
                goto oom;
            for (s = hash(key) & (cap - 1); slot[s] != 0; s = (s + 1) & (cap - 1)) {
                if (strcmp(out->g[slot[s] - 1].key, key) == 0) {
                    g = &out->g[slot[s] - 1];
                    break;
                }
            }
            if (g == NULL) {
                struct ml_lgroup *grown = realloc(out->g, (out->n + 1) * sizeof(*grown));

                if (grown == NULL) {
                    free(key);
                    goto oom;
                }
                out->g = grown;
                g = &out->g[out->n++];
                slot[s] = out->n;
                memset(g, 0, sizeof(*g));
                g->key = key;
                key = NULL;
                g->in_report = calloc(n, sizeof(*g->in_report));
                if (g->in_report == NULL)
                    goto oom;
                g->signature = l->signature;
                g->known = l->known;
                g->cause = l->cause;
                g->shape = agent_shape(&rfs[r], l->loader_id);
                g->example = l;
                g->example_report = r;
                g->metaspace_bytes = -1;
            }
            free(key);
            if (g->known == NULL)
                g->known = l->known;
            if (!add_member(g, r, i, l))
                goto oom;
        }
    }
    free(slot);
    if (out->n > 1)
        qsort(out->g, out->n, sizeof(*out->g), by_cost);
    return ML_OK;
oom:
    free(slot);
    ml_lgroups_release(out);
    return ML_ERR_NOMEM;
}

void ml_lgroups_release(struct ml_lgroups *gs)
{
    for (size_t i = 0; gs->g != NULL && i < gs->n; i++) {
        free(gs->g[i].key);
        free((void *)gs->g[i].jobs);
        free(gs->g[i].members);
        free(gs->g[i].in_report);
    }
    free(gs->g);
    gs->g = NULL;
    gs->n = 0;
}
