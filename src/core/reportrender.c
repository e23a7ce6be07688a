/* Rendering the metaleak-report/1 document with cJSON (docs/report.md is the contract).
 * Loaders are listed by id; leaks are every loader proven leaked during the run. */
#include "metaleak/reportrender.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metaleak/inventory.h"
#include "metaleak/verdict.h"

/* Integers are added as raw JSON text formatted here: cJSON would print its doubles with
 * sprintf("%1.15g") and check them with sscanf, which was 40 % of rendering a large report
 * (docs/performance.md). Readers see the same JSON numbers. */
static char *format_uint(char *end, uint64_t v)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static bool add_uint(cJSON *obj, const char *key, uint64_t v)
{
    char buf[24];

    return cJSON_AddRawToObject(obj, key, format_uint(buf + sizeof(buf), v)) != NULL;
}

static bool add_int(cJSON *obj, const char *key, int64_t v)
{
    char buf[24];
    char *p;

    if (v >= 0)
        return add_uint(obj, key, (uint64_t)v);
    p = format_uint(buf + sizeof(buf), (uint64_t)0 - (uint64_t)v);
    *--p = '-';
    return cJSON_AddRawToObject(obj, key, p) != NULL;
}

/* Adds v (milliseconds, bytes, a count), or null when v < 0 (unknown). */
static bool add_opt_int(cJSON *obj, const char *key, int64_t v)
{
    return v < 0 ? cJSON_AddNullToObject(obj, key) != NULL : add_int(obj, key, v);
}

static bool add_opt_id(cJSON *obj, const char *key, uint64_t id)
{
    return id == ML_ID_NONE ? cJSON_AddNullToObject(obj, key) != NULL : add_uint(obj, key, id);
}

static bool add_opt_str(cJSON *obj, const char *key, const char *s)
{
    return s == NULL ? cJSON_AddNullToObject(obj, key) != NULL
                     : cJSON_AddStringToObject(obj, key, s) != NULL;
}

static bool add_hash(cJSON *obj, const struct ml_loader *l)
{
    char hex[16];

    if (!l->has_hash)
        return cJSON_AddNullToObject(obj, "identity_hash") != NULL;
    snprintf(hex, sizeof(hex), "%" PRIx32, l->identity_hash);
    return cJSON_AddStringToObject(obj, "identity_hash", hex) != NULL;
}

static const char *loader_class(const struct ml_loader *l)
{
    if (l->id == 0)
        return "<bootstrap>";
    return l->class_name;
}

static bool add_urls(cJSON *obj, const struct ml_loader *l)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "urls");

    if (arr == NULL)
        return false;
    for (uint32_t i = 0; i < l->n_urls; i++) {
        cJSON *s = cJSON_CreateString(l->urls[i]);

        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

static bool add_flink(cJSON *obj, const struct ml_loader *l)
{
    cJSON *f;

    if (l->role == ML_ROLE_NONE)
        return cJSON_AddNullToObject(obj, "flink") != NULL;
    f = cJSON_AddObjectToObject(obj, "flink");
    return f != NULL && cJSON_AddStringToObject(f, "role", ml_role_name(l->role)) != NULL &&
           add_opt_str(f, "resolve_order", ml_order_name(l->order)) &&
           add_opt_str(f, "job_id", l->job_id[0] ? l->job_id : NULL) &&
           add_opt_id(f, "wrapper_id", l->wrapper_id) && add_opt_id(f, "inner_id", l->inner_id);
}

#define SHADOW_ADVICE                                                                       \
    "The loader defines its own copy of classes that its parent also has (child-first "        \
    "shadowing: \"X cannot be cast to X\", two versions of a library or driver). Remove them "   \
    "from the job jar (mark the dependency 'provided'), or add their package to "              \
    "classloader.parent-first-patterns.additional, or shade and relocate them."

/* Shadowed classes, growth kinds and the suspect mark of a loader (class inventory). */
static bool add_inventory(cJSON *o, const struct ml_loader *l)
{
    cJSON *g, *sh, *ex;

    if (cJSON_AddBoolToObject(o, "suspect", l->suspect) == NULL ||
        !add_opt_id(o, "superseded_by", l->superseded_by))
        return false;
    g = cJSON_AddObjectToObject(o, "growth");
    if (g == NULL || !add_opt_str(g, "kind", ml_inv_is_reflection_loader(l->class_name)
                                                 ? "reflection-accessor" : NULL))
        return false;
    if (!l->inventoried) {
        return cJSON_AddNullToObject(g, "lambdas") != NULL &&
               cJSON_AddNullToObject(g, "proxies") != NULL &&
               cJSON_AddNullToObject(o, "shadowed_classes") != NULL;
    }
    if (!add_uint(g, "lambdas", l->lambdas) || !add_uint(g, "proxies", l->proxies))
        return false;
    if (l->shadowed == 0)
        return cJSON_AddNullToObject(o, "shadowed_classes") != NULL;
    sh = cJSON_AddObjectToObject(o, "shadowed_classes");
    if (sh == NULL || !add_uint(sh, "count", l->shadowed) ||
        cJSON_AddStringToObject(sh, "advice", SHADOW_ADVICE) == NULL)
        return false;
    ex = cJSON_AddArrayToObject(sh, "examples");
    for (uint32_t i = 0; ex != NULL && i < l->n_shadow_examples; i++) {
        const struct ml_shadow_example *e = &l->shadow_examples[i];
        cJSON *item = cJSON_CreateObject();

        if (item == NULL || !cJSON_AddItemToArray(ex, item) ||
            !add_opt_str(item, "class", e->class_name) ||
            !add_uint(item, "ancestor_id", e->ancestor_id) || !add_opt_str(item, "jar", e->jar) ||
            !add_opt_str(item, "ancestor_jar", e->ancestor_jar))
            return false;
    }
    return ex != NULL;
}

static cJSON *loader_json(const struct ml_loader *l)
{
    const struct ml_verdict *v = &l->verdict;
    cJSON *o = cJSON_CreateObject();
    bool closed = v->closed_ms >= 0;
    bool ok;

    if (o == NULL)
        return NULL;
    ok = add_uint(o, "id", l->id) && add_opt_str(o, "class", loader_class(l)) &&
         add_opt_str(o, "name", l->name) && add_hash(o, l) &&
         add_opt_id(o, "parent_id", l->parent_id) && add_urls(o, l) && add_flink(o, l) &&
         add_uint(o, "classes_defined", atomic_load(&l->classes_defined)) &&
         add_uint(o, "classes_live", ml_loader_classes_live(l)) &&
         add_uint(o, "hidden_classes_defined", atomic_load(&l->hidden_defined)) &&
         add_uint(o, "hidden_classes_live", ml_loader_hidden_live(l)) &&
         add_opt_int(o, "metaspace_bytes", l->metaspace_bytes) &&
         cJSON_AddStringToObject(o, "state", ml_state_name(v->state)) != NULL &&
         add_int(o, "first_seen_ms", l->first_seen_ms) &&
         add_opt_int(o, "last_define_ms", atomic_load(&l->last_define_ms)) &&
         add_opt_int(o, "closed_ms", v->closed_ms) && add_opt_int(o, "leaked_ms", v->leaked_ms) &&
         add_opt_int(o, "unloaded_ms", v->unloaded_ms) &&
         (closed ? add_uint(o, "gcs_since_close", v->gcs_since_close)
                 : cJSON_AddNullToObject(o, "gcs_since_close") != NULL) &&
         cJSON_AddBoolToObject(o, "awaiting_unload", l->awaiting_unload) != NULL &&
         add_inventory(o, l);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static bool add_step(cJSON *arr, const struct ml_step *st)
{
    static const char *const OBJECTS[] = {"instance", "class", "loader", "thread"};
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return cJSON_AddStringToObject(o, "ref", ml_ref_name(st->ref)) != NULL &&
           add_opt_str(o, "field", st->field) &&
           (st->index < 0 ? cJSON_AddNullToObject(o, "index") != NULL
                          : add_int(o, "index", st->index)) &&
           cJSON_AddStringToObject(o, "object", OBJECTS[st->object]) != NULL &&
           add_opt_str(o, "class", st->class_name) && add_opt_id(o, "loader_id", st->loader_id) &&
           add_opt_str(o, "jar", st->jar) && add_opt_str(o, "thread", st->thread) &&
           add_opt_str(o, "method", st->method) && add_opt_str(o, "key", st->key) &&
           cJSON_AddBoolToObject(o, "owned", st->owned) != NULL &&
           cJSON_AddBoolToObject(o, "shutdown_hook", st->hook) != NULL;
}

/* cause, path, advice, path_summary, path_status, path_search_ms of a leak. */
static bool add_path(cJSON *o, const struct ml_loader *l, bool paths_on)
{
    const struct ml_path *p = &l->path;
    enum ml_path_status status = l->path_status;
    cJSON *arr;

    if (status == ML_PATH_NOT_SEARCHED && !paths_on)
        status = ML_PATH_OFF;
    if (!add_opt_str(o, "cause", ml_cause_name(p->cause)))
        return false;
    if (p->n_steps == 0) {
        if (cJSON_AddNullToObject(o, "path") == NULL)
            return false;
    } else {
        arr = cJSON_AddArrayToObject(o, "path");
        for (size_t i = 0; arr != NULL && i < p->n_steps; i++)
            if (!add_step(arr, &p->steps[i]))
                return false;
        if (arr == NULL)
            return false;
    }
    return add_opt_str(o, "advice", p->advice) && add_opt_str(o, "path_summary", p->summary) &&
           cJSON_AddStringToObject(o, "path_status", ml_path_status_name(status)) != NULL &&
           add_opt_int(o, "path_search_ms", l->path_search_ms);
}

static cJSON *leak_json(const struct ml_loader *l, bool paths_on)
{
    const struct ml_verdict *v = &l->verdict;
    cJSON *o = cJSON_CreateObject();
    bool ok;

    if (o == NULL)
        return NULL;
    ok = add_uint(o, "loader_id", l->id) && add_opt_str(o, "class", loader_class(l)) &&
         add_opt_str(o, "name", l->name) && add_hash(o, l) &&
         add_opt_str(o, "job_id", l->job_id[0] ? l->job_id : NULL) &&
         add_opt_id(o, "wrapper_id", l->wrapper_id) && add_urls(o, l) &&
         add_uint(o, "classes_live", ml_loader_classes_live(l)) &&
         add_opt_int(o, "metaspace_bytes", l->metaspace_bytes) &&
         add_opt_int(o, "closed_ms", v->closed_ms) && add_opt_int(o, "leaked_ms", v->leaked_ms) &&
         add_opt_int(o, "unloaded_ms", v->unloaded_ms) &&
         add_opt_str(o, "proof", ml_proof_name(v->proof)) &&
         add_uint(o, "gcs_since_close", v->gcs_since_close) && add_path(o, l, paths_on);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int by_id(const void *a, const void *b)
{
    const struct ml_loader *x = *(const struct ml_loader *const *)a;
    const struct ml_loader *y = *(const struct ml_loader *const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static bool add_header(cJSON *root, const struct ml_report_meta *m)
{
    char when[40];
    time_t secs = (time_t)(m->generated_at_epoch_ms / 1000);
    struct tm tm;
    cJSON *agent, *opts, *jvm;
    const struct ml_options *o = m->opts;

    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + 19, sizeof(when) - 19, ".%03dZ", (int)(m->generated_at_epoch_ms % 1000));

    if (cJSON_AddStringToObject(root, "schema", ML_REPORT_SCHEMA) == NULL ||
        cJSON_AddStringToObject(root, "trigger", m->trigger) == NULL ||
        cJSON_AddStringToObject(root, "generated_at", when) == NULL)
        return false;
    agent = cJSON_AddObjectToObject(root, "agent");
    if (agent == NULL || cJSON_AddStringToObject(agent, "version", m->agent_version) == NULL ||
        cJSON_AddBoolToObject(agent, "attached", m->attached) == NULL)
        return false;
    opts = cJSON_AddObjectToObject(agent, "options");
    if (opts == NULL || !add_opt_str(opts, "report", m->report_file) ||
        !add_uint(opts, "interval", o->interval_s) || !add_uint(opts, "leak_gcs", o->leak_gcs) ||
        cJSON_AddBoolToObject(opts, "verify_on_exit", o->verify_on_exit) == NULL ||
        cJSON_AddStringToObject(opts, "log", ml_log_level_name(o->log)) == NULL ||
        !add_uint(opts, "max_loaders", o->max_loaders) || !add_uint(opts, "history", o->history) ||
        cJSON_AddStringToObject(opts, "paths", o->paths ? "auto" : "off") == NULL ||
        !add_uint(opts, "path_budget", o->path_budget_ms) ||
        !add_uint(opts, "path_proof_after", o->path_proof_after_s) ||
        !add_uint(opts, "suspect_after", o->suspect_after_s))
        return false;
    jvm = cJSON_AddObjectToObject(root, "jvm");
    return jvm != NULL && add_int(jvm, "pid", m->pid) &&
           add_opt_str(jvm, "java_version", m->java_version) &&
           add_opt_str(jvm, "vm_name", m->vm_name) && add_int(jvm, "uptime_ms", m->uptime_ms) &&
           add_int(jvm, "start_epoch_ms", m->start_epoch_ms);
}

static bool add_names(cJSON *obj, const char *key, const char *const *names, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);

    if (arr == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(names[i]);

        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

static bool add_judgement(cJSON *mspace, const struct ml_mspace_judgement *j)
{
    cJSON *f;

    if (j == NULL)
        return cJSON_AddNullToObject(mspace, "verdict") != NULL;
    if (cJSON_AddStringToObject(mspace, "verdict", j->verdict) == NULL ||
        cJSON_AddStringToObject(mspace, "verdict_reason", j->reason) == NULL ||
        !add_opt_str(mspace, "advice", j->advice[0] ? j->advice : NULL) ||
        !add_opt_int(mspace, "baseline_growth_bytes", j->baseline_growth))
        return false;
    f = cJSON_AddObjectToObject(mspace, "forecast");
    return f != NULL && add_opt_int(f, "bytes_per_leaked_loader", j->bytes_per_leak) &&
           add_opt_int(f, "submissions_left", j->submissions_left) &&
           add_opt_int(f, "ms_left", j->ms_left);
}

static bool add_samples(cJSON *mspace, const struct ml_mspace_series *series)
{
    cJSON *arr = cJSON_AddArrayToObject(mspace, "samples");

    if (arr == NULL)
        return false;
    for (size_t i = 0; series != NULL && i < series->n; i++) {
        const struct ml_mspace_sample *s = ml_mspace_series_at(series, i);
        cJSON *o = cJSON_CreateObject();

        if (o == NULL || !cJSON_AddItemToArray(arr, o) || !add_int(o, "t_ms", s->t_ms) ||
            !add_opt_int(o, "used_bytes", s->used_bytes) ||
            !add_opt_int(o, "committed_bytes", s->committed_bytes) ||
            !add_uint(o, "loaders_live", s->loaders_live) ||
            !add_uint(o, "classes_live", s->classes_live) ||
            cJSON_AddBoolToObject(o, "after_full_gc", s->after_full_gc) == NULL)
            return false;
    }
    return true;
}

static bool add_flink_conf(cJSON *root, const struct ml_flink_conf *c)
{
    cJSON *o, *v;

    if (c == NULL)
        return cJSON_AddNullToObject(root, "flink_config") != NULL;
    o = cJSON_AddObjectToObject(root, "flink_config");
    if (o == NULL || !add_opt_str(o, "file", c->file[0] ? c->file : NULL) ||
        !add_opt_str(o, "error", c->error[0] ? c->error : NULL))
        return false;
    v = cJSON_AddObjectToObject(o, "values");
    for (int k = 0; v != NULL && k < ML_FK_COUNT; k++) {
        if (!add_opt_str(v, ml_flink_key_name((enum ml_flink_key)k), c->values[k]))
            return false;
    }
    return v != NULL;
}

/* metaspace.out_of_memory: null, or the OutOfMemoryErrors for Metaspace seen so far. */
static bool add_oom(cJSON *mspace, const struct ml_report_meta *m)
{
    cJSON *o;

    if (m->oom_count == 0)
        return cJSON_AddNullToObject(mspace, "out_of_memory") != NULL;
    o = cJSON_AddObjectToObject(mspace, "out_of_memory");
    return o != NULL && add_uint(o, "count", m->oom_count) &&
           add_opt_int(o, "first_ms", m->oom_first_ms) &&
           add_opt_int(o, "last_ms", m->oom_last_ms) &&
           cJSON_AddStringToObject(o, "space", m->oom_space ? m->oom_space : "metaspace") != NULL;
}

static bool add_gc_and_metaspace(cJSON *root, const struct ml_report_meta *m)
{
    cJSON *gc = cJSON_AddObjectToObject(root, "gc");
    cJSON *mspace;

    if (gc == NULL || !add_names(gc, "collectors", m->collectors, m->n_collectors) ||
        !add_names(gc, "full_collectors", m->full_collectors, m->n_full_collectors) ||
        cJSON_AddBoolToObject(gc, "concurrent", m->concurrent) == NULL ||
        !add_uint(gc, "full_gcs", m->full_gcs) || !add_uint(gc, "gc_pauses", m->gc_pauses))
        return false;
    cJSON *ccs;

    mspace = cJSON_AddObjectToObject(root, "metaspace");
    if (mspace == NULL || !add_opt_int(mspace, "used_bytes", m->metaspace_used) ||
        !add_opt_int(mspace, "committed_bytes", m->metaspace_committed) ||
        !add_opt_int(mspace, "max_bytes", m->metaspace_max) ||
        !add_opt_int(mspace, "reserved_bytes", m->metaspace_reserved) ||
        !add_opt_str(mspace, "source", m->metaspace_source) ||
        !add_opt_int(mspace, "hidden_class_bytes", m->hidden_class_bytes))
        return false;
    if (m->class_space_used < 0) {
        if (cJSON_AddNullToObject(mspace, "compressed_class_space") == NULL)
            return false;
    } else {
        ccs = cJSON_AddObjectToObject(mspace, "compressed_class_space");
        if (ccs == NULL || !add_opt_int(ccs, "used_bytes", m->class_space_used) ||
            !add_opt_int(ccs, "committed_bytes", m->class_space_committed) ||
            !add_opt_int(ccs, "max_bytes", m->class_space_max))
            return false;
    }
    return add_oom(mspace, m) && add_judgement(mspace, m->judgement) &&
           add_samples(mspace, m->samples);
}

struct totals {
    uint64_t total, live, closed, leaked, unloaded, defined, classes_live, hidden_live;
    uint64_t suspect, shadowing_loaders, shadowed, reflection_loaders, lambdas, proxies;
};

static void count(struct totals *t, const struct ml_loader *l)
{
    t->total++;
    switch (l->verdict.state) {
    case ML_STATE_LIVE:
        t->live++;
        break;
    case ML_STATE_CLOSED:
        t->closed++;
        break;
    case ML_STATE_LEAKED:
        break;
    case ML_STATE_UNLOADED:
        t->unloaded++;
        break;
    }
    if (l->verdict.leaked)
        t->leaked++;
    t->defined += atomic_load(&l->classes_defined);
    t->classes_live += ml_loader_classes_live(l);
    t->hidden_live += ml_loader_hidden_live(l);
    t->suspect += l->suspect;
    t->shadowing_loaders += l->shadowed > 0;
    t->shadowed += l->shadowed;
    if (l->verdict.state != ML_STATE_UNLOADED) {
        t->reflection_loaders += ml_inv_is_reflection_loader(l->class_name);
        t->lambdas += l->lambdas;
        t->proxies += l->proxies;
    }
}

static bool add_summary(cJSON *root, const struct totals *t, const struct ml_registry_stats *st)
{
    cJSON *s = cJSON_AddObjectToObject(root, "summary");
    cJSON *d, *g;

    if (s == NULL || !add_uint(s, "loaders_total", t->total) ||
        !add_uint(s, "loaders_live", t->live) || !add_uint(s, "loaders_closed", t->closed) ||
        !add_uint(s, "leaked_loaders", t->leaked) ||
        !add_uint(s, "loaders_unloaded", t->unloaded) ||
        !add_uint(s, "classes_defined", t->defined) ||
        !add_uint(s, "classes_live", t->classes_live) ||
        !add_uint(s, "hidden_classes_live", t->hidden_live) ||
        !add_uint(s, "loaders_suspect", t->suspect) ||
        !add_uint(s, "loaders_shadowing", t->shadowing_loaders) ||
        !add_uint(s, "shadowed_classes", t->shadowed))
        return false;
    g = cJSON_AddObjectToObject(s, "growth");
    if (g == NULL || !add_uint(g, "reflection_loaders", t->reflection_loaders) ||
        !add_uint(g, "lambdas", t->lambdas) || !add_uint(g, "proxies", t->proxies))
        return false;
    d = cJSON_AddObjectToObject(root, "dropped");
    return d != NULL && add_uint(d, "loaders", st->dropped_loaders) &&
           add_uint(d, "urls", st->dropped_urls) &&
           add_uint(d, "unloaded_history", st->dropped_history);
}

static int by_shape(const void *a, const void *b)
{
    const struct ml_loader *x = *(const struct ml_loader *const *)a;
    const struct ml_loader *y = *(const struct ml_loader *const *)b;
    int c = strcmp(x->path.shape, y->path.shape);

    return c != 0 ? c : by_id(a, b);
}

/* "paths": search counters and the leaked loaders grouped by the shape of their path. */
static bool add_paths(cJSON *root, struct ml_loader **sorted, size_t n,
                      const struct ml_report_meta *m)
{
    cJSON *o = cJSON_AddObjectToObject(root, "paths");
    cJSON *groups, *g = NULL, *ids = NULL;
    struct ml_loader **with = NULL;
    size_t k = 0;
    bool ok = false;

    if (o == NULL || cJSON_AddStringToObject(o, "mode", m->opts->paths ? "auto" : "off") == NULL ||
        !add_uint(o, "searches", m->path_searches) || !add_uint(o, "heap_walks", m->path_walks) ||
        !add_opt_int(o, "last_search_ms", m->last_search_ms))
        return false;
    groups = cJSON_AddArrayToObject(o, "groups");
    with = malloc((n + 1) * sizeof(*with));
    if (groups == NULL || with == NULL)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (sorted[i]->verdict.leaked && sorted[i]->path.shape != NULL)
            with[k++] = sorted[i];
    qsort(with, k, sizeof(*with), by_shape);
    for (size_t i = 0; i < k; i++) {
        const struct ml_path *p = &with[i]->path;

        if (i == 0 || strcmp(p->shape, with[i - 1]->path.shape) != 0) {
            g = cJSON_CreateObject();
            if (g == NULL || !cJSON_AddItemToArray(groups, g)) {
                cJSON_Delete(g);
                goto cleanup;
            }
            if (cJSON_AddStringToObject(g, "cause", ml_cause_name(p->cause)) == NULL ||
                cJSON_AddStringToObject(g, "shape", p->shape) == NULL ||
                !add_opt_str(g, "advice", p->advice) ||
                (ids = cJSON_AddArrayToObject(g, "loader_ids")) == NULL)
                goto cleanup;
        }
        if (!cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)with[i]->id)))
            goto cleanup;
    }
    ok = true;
cleanup:
    free(with);
    return ok;
}

/* The tree of a report is built and thrown away at once: its nodes come from an arena (one
 * malloc per MiB instead of one per node, and no free per node), installed as cJSON's
 * allocator only while this module renders. Freeing a 10 000-loader tree node by node was 40 %
 * of the render (docs/performance.md). Not reentrant: one renderer at a time (the agent's
 * worker thread, or the CLI). */
#define ARENA_CHUNK (1u << 20)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

static struct arena_chunk *arena;

static void *arena_alloc(size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct arena_chunk *c = arena;
    void *p;

    if (c == NULL || c->cap - c->used < need) {
        size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;

        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->next = arena;
        c->used = 0;
        c->cap = cap;
        arena = c;
    }
    p = (char *)c->data + c->used;
    c->used += need;
    return p;
}

static void arena_free(void *p)
{
    (void)p; /* everything goes at once in arena_release */
}

static void arena_release(void)
{
    while (arena != NULL) {
        struct arena_chunk *next = arena->next;

        free(arena);
        arena = next;
    }
}

/* Prints the tree into a malloc'd buffer (freed by the caller with cJSON_free, that is free,
 * once the default allocator is back). */
static char *print_tree(const cJSON *root)
{
    static size_t guess = 1u << 16;  /* the last report's size: most reports are alike */

    for (int tries = 0; tries < 16; tries++) {
        char *buf = malloc(guess);

        if (buf == NULL)
            return NULL;
        if (cJSON_PrintPreallocated((cJSON *)root, buf, (int)guess, 1)) {
            guess = strlen(buf) + strlen(buf) / 4 + 64;
            return buf;
        }
        free(buf);
        if (guess > (size_t)INT32_MAX / 2)
            return NULL;
        guess *= 2;
    }
    return NULL;
}

char *ml_report_render(struct ml_registry *reg, const struct ml_report_meta *meta)
{
    cJSON_Hooks hooks = {arena_alloc, arena_free};
    struct ml_registry_stats st;
    struct ml_loader **sorted = NULL;
    struct totals t = {0};
    cJSON *root = NULL, *loaders, *leaks;
    char *text = NULL;
    size_t n = 0;

    ml_registry_stats(reg, &st);
    sorted = malloc((st.in_use + 1) * sizeof(*sorted));
    cJSON_InitHooks(&hooks);
    root = cJSON_CreateObject();
    if (sorted == NULL || root == NULL)
        goto cleanup;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && n <= st.in_use;
         l = ml_registry_next(reg, l))
        sorted[n++] = l;
    qsort(sorted, n, sizeof(*sorted), by_id);

    for (size_t i = 0; i < n; i++)
        count(&t, sorted[i]);
    if (!add_header(root, meta) || !add_gc_and_metaspace(root, meta) ||
        !add_flink_conf(root, meta->flink_conf) || !add_summary(root, &t, &st))
        goto cleanup;
    if (!add_paths(root, sorted, n, meta))
        goto cleanup;
    loaders = cJSON_AddArrayToObject(root, "loaders");
    leaks = cJSON_AddArrayToObject(root, "leaks");
    if (loaders == NULL || leaks == NULL)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const struct ml_loader *l = sorted[i];
        cJSON *item;

        item = loader_json(l);
        if (item == NULL || !cJSON_AddItemToArray(loaders, item)) {
            cJSON_Delete(item);
            goto cleanup;
        }
        if (!l->verdict.leaked)
            continue;
        item = leak_json(l, meta->opts->paths);
        if (item == NULL || !cJSON_AddItemToArray(leaks, item)) {
            cJSON_Delete(item);
            goto cleanup;
        }
    }
    text = print_tree(root);
cleanup:
    /* No cJSON_Delete: the arena goes as a whole. */
    arena_release();
    cJSON_InitHooks(NULL);
    free(sorted);
    return text;
}
