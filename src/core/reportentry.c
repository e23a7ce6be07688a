/* A loader's and a leak's entry of the report (docs/report.md is the contract; the order of
 * the fields is part of it). */
#include "reportentry.h"

#include <inttypes.h>
#include <stdio.h>

#include "metaleak/cause.h"
#include "metaleak/inventory.h"
#include "metaleak/known.h"
#include "metaleak/verdict.h"

#define SHADOW_ADVICE                                                                       \
    "The loader defines its own copy of classes that its parent also has (child-first "        \
    "shadowing: \"X cannot be cast to X\", two versions of a library or driver). Remove them "   \
    "from the job jar (mark the dependency 'provided'), or add their package to "              \
    "classloader.parent-first-patterns.additional, or shade and relocate them."

/* A loader id, or null for ML_ID_NONE. */
static bool add_opt_id(struct ml_jtree *jt, cJSON *obj, const char *key, uint64_t id)
{
    return id == ML_ID_NONE ? ml_jtree_add_null(jt, obj, key) : ml_jtree_add_uint(jt, obj, key, id);
}

static bool add_hash(struct ml_jtree *jt, cJSON *obj, const struct ml_loader *l)
{
    char hex[16];

    if (!l->has_hash)
        return ml_jtree_add_null(jt, obj, "identity_hash");
    snprintf(hex, sizeof(hex), "%" PRIx32, l->identity_hash);
    return ml_jtree_add_string(jt, obj, "identity_hash", hex);
}

static const char *loader_class(const struct ml_loader *l)
{
    if (l->id == 0)
        return "<bootstrap>";
    return l->class_name;
}

static bool add_urls(struct ml_jtree *jt, cJSON *obj, const struct ml_loader *l)
{
    cJSON *arr = ml_jtree_add_array(jt, obj, "urls");

    if (arr == NULL)
        return false;
    for (uint32_t i = 0; i < l->n_urls; i++)
        if (!ml_jtree_add_string(jt, arr, NULL, l->urls[i]))
            return false;
    return true;
}

static bool add_flink(struct ml_jtree *jt, cJSON *obj, const struct ml_loader *l)
{
    cJSON *f;

    if (l->role == ML_ROLE_NONE)
        return ml_jtree_add_null(jt, obj, "flink");
    f = ml_jtree_add_object(jt, obj, "flink");
    return f != NULL && ml_jtree_add_string(jt, f, "role", ml_role_name(l->role)) &&
           ml_jtree_add_opt_string(jt, f, "resolve_order", ml_order_name(l->order)) &&
           ml_jtree_add_opt_string(jt, f, "job_id", l->job_id[0] ? l->job_id : NULL) &&
           add_opt_id(jt, f, "wrapper_id", l->wrapper_id) &&
           add_opt_id(jt, f, "inner_id", l->inner_id);
}

/* Shadowed classes, growth kinds and the suspect mark of a loader (class inventory). */
static bool add_inventory(struct ml_jtree *jt, cJSON *o, const struct ml_loader *l)
{
    cJSON *g, *sh, *ex;

    if (!ml_jtree_add_bool(jt, o, "suspect", l->suspect) ||
        !add_opt_id(jt, o, "superseded_by", l->superseded_by))
        return false;
    g = ml_jtree_add_object(jt, o, "growth");
    if (g == NULL ||
        !ml_jtree_add_opt_string(jt, g, "kind", ml_inv_is_reflection_loader(l->class_name)
                                                    ? "reflection-accessor" : NULL))
        return false;
    if (!l->inventoried) {
        return ml_jtree_add_null(jt, g, "lambdas") && ml_jtree_add_null(jt, g, "proxies") &&
               ml_jtree_add_null(jt, o, "shadowed_classes");
    }
    if (!ml_jtree_add_uint(jt, g, "lambdas", l->lambdas) ||
        !ml_jtree_add_uint(jt, g, "proxies", l->proxies))
        return false;
    if (l->shadowed == 0)
        return ml_jtree_add_null(jt, o, "shadowed_classes");
    sh = ml_jtree_add_object(jt, o, "shadowed_classes");
    if (sh == NULL || !ml_jtree_add_uint(jt, sh, "count", l->shadowed) ||
        !ml_jtree_add_string(jt, sh, "advice", SHADOW_ADVICE))
        return false;
    ex = ml_jtree_add_array(jt, sh, "examples");
    for (uint32_t i = 0; ex != NULL && i < l->n_shadow_examples; i++) {
        const struct ml_shadow_example *e = &l->shadow_examples[i];
        cJSON *item = ml_jtree_add_object(jt, ex, NULL);

        if (item == NULL || !ml_jtree_add_opt_string(jt, item, "class", e->class_name) ||
            !ml_jtree_add_uint(jt, item, "ancestor_id", e->ancestor_id) ||
            !ml_jtree_add_opt_string(jt, item, "jar", e->jar) ||
            !ml_jtree_add_opt_string(jt, item, "ancestor_jar", e->ancestor_jar))
            return false;
    }
    return ex != NULL;
}

bool ml_report_add_loader(struct ml_jtree *jt, cJSON *arr, const struct ml_loader *l)
{
    const struct ml_verdict *v = &l->verdict;
    cJSON *o = ml_jtree_add_object(jt, arr, NULL);
    bool closed = v->closed_ms >= 0;

    return o != NULL && ml_jtree_add_uint(jt, o, "id", l->id) &&
           ml_jtree_add_opt_string(jt, o, "class", loader_class(l)) &&
           ml_jtree_add_opt_string(jt, o, "name", l->name) && add_hash(jt, o, l) &&
           add_opt_id(jt, o, "parent_id", l->parent_id) && add_urls(jt, o, l) &&
           add_flink(jt, o, l) &&
           ml_jtree_add_uint(jt, o, "classes_defined", atomic_load(&l->classes_defined)) &&
           ml_jtree_add_uint(jt, o, "classes_live", ml_loader_classes_live(l)) &&
           ml_jtree_add_uint(jt, o, "hidden_classes_defined", atomic_load(&l->hidden_defined)) &&
           ml_jtree_add_uint(jt, o, "hidden_classes_live", ml_loader_hidden_live(l)) &&
           ml_jtree_add_opt_int(jt, o, "metaspace_bytes", l->metaspace_bytes) &&
           ml_jtree_add_string(jt, o, "state", ml_state_name(v->state)) &&
           ml_jtree_add_int(jt, o, "first_seen_ms", l->first_seen_ms) &&
           ml_jtree_add_opt_int(jt, o, "last_define_ms", atomic_load(&l->last_define_ms)) &&
           ml_jtree_add_opt_int(jt, o, "closed_ms", v->closed_ms) &&
           ml_jtree_add_opt_int(jt, o, "leaked_ms", v->leaked_ms) &&
           ml_jtree_add_opt_int(jt, o, "unloaded_ms", v->unloaded_ms) &&
           (closed ? ml_jtree_add_uint(jt, o, "gcs_since_close", v->gcs_since_close)
                   : ml_jtree_add_null(jt, o, "gcs_since_close")) &&
           ml_jtree_add_bool(jt, o, "awaiting_unload", l->awaiting_unload) &&
           add_inventory(jt, o, l);
}

static bool add_step(struct ml_jtree *jt, cJSON *arr, const struct ml_step *st)
{
    static const char *const OBJECTS[] = {"instance", "class", "loader", "thread"};
    cJSON *o = ml_jtree_add_object(jt, arr, NULL);

    return o != NULL && ml_jtree_add_string(jt, o, "ref", ml_ref_name(st->ref)) &&
           ml_jtree_add_opt_string(jt, o, "field", st->field) &&
           (st->index < 0 ? ml_jtree_add_null(jt, o, "index")
                          : ml_jtree_add_int(jt, o, "index", st->index)) &&
           ml_jtree_add_string(jt, o, "object", OBJECTS[st->object]) &&
           ml_jtree_add_opt_string(jt, o, "class", st->class_name) &&
           add_opt_id(jt, o, "loader_id", st->loader_id) &&
           ml_jtree_add_opt_string(jt, o, "jar", st->jar) &&
           ml_jtree_add_opt_string(jt, o, "thread", st->thread) &&
           ml_jtree_add_opt_string(jt, o, "method", st->method) &&
           ml_jtree_add_opt_string(jt, o, "key", st->key) &&
           ml_jtree_add_bool(jt, o, "owned", st->owned) &&
           ml_jtree_add_bool(jt, o, "shutdown_hook", st->hook);
}

/* The known library leak of a path (known-leaks catalogue), or null. */
static bool add_known(struct ml_jtree *jt, cJSON *o, const struct ml_known_entry *e)
{
    cJSON *k, *refs;

    if (e == NULL)
        return ml_jtree_add_null(jt, o, "known");
    k = ml_jtree_add_object(jt, o, "known");
    if (k == NULL || !ml_jtree_add_string(jt, k, "id", e->id) ||
        !ml_jtree_add_string(jt, k, "library", e->library) ||
        !ml_jtree_add_string(jt, k, "title", e->title))
        return false;
    refs = ml_jtree_add_array(jt, k, "references");
    for (const char *const *r = e->references; refs != NULL && r != NULL && *r != NULL; r++)
        if (!ml_jtree_add_string(jt, refs, NULL, *r))
            return false;
    return refs != NULL && ml_jtree_add_opt_string(jt, k, "fixed_in", e->fixed_in) &&
           ml_jtree_add_string(jt, k, "advice", e->advice);
}

/* cause, path, advice, path_summary, path_status, path_search_ms, signature, known of a
 * leak. */
static bool add_path(struct ml_jtree *jt, cJSON *o, const struct ml_loader *l, bool paths_on)
{
    const struct ml_path *p = &l->path;
    enum ml_path_status status = l->path_status;
    cJSON *arr;

    if (status == ML_PATH_NOT_SEARCHED && !paths_on)
        status = ML_PATH_OFF;
    if (!ml_jtree_add_opt_string(jt, o, "cause", ml_cause_name(p->cause)))
        return false;
    if (p->n_steps == 0) {
        if (!ml_jtree_add_null(jt, o, "path"))
            return false;
    } else {
        arr = ml_jtree_add_array(jt, o, "path");
        if (arr == NULL)
            return false;
        for (size_t i = 0; i < p->n_steps; i++)
            if (!add_step(jt, arr, &p->steps[i]))
                return false;
    }
    return ml_jtree_add_opt_string(jt, o, "advice", p->advice) &&
           ml_jtree_add_opt_string(jt, o, "path_summary", p->summary) &&
           ml_jtree_add_string(jt, o, "path_status", ml_path_status_name(status)) &&
           ml_jtree_add_opt_int(jt, o, "path_search_ms", l->path_search_ms) &&
           ml_jtree_add_opt_string(jt, o, "signature", p->signature[0] ? p->signature : NULL) &&
           add_known(jt, o, p->known);
}

bool ml_report_add_leak(struct ml_jtree *jt, cJSON *arr, const struct ml_loader *l,
                        bool paths_on)
{
    const struct ml_verdict *v = &l->verdict;
    cJSON *o = ml_jtree_add_object(jt, arr, NULL);

    return o != NULL && ml_jtree_add_uint(jt, o, "loader_id", l->id) &&
           ml_jtree_add_opt_string(jt, o, "class", loader_class(l)) &&
           ml_jtree_add_opt_string(jt, o, "name", l->name) && add_hash(jt, o, l) &&
           ml_jtree_add_opt_string(jt, o, "job_id", l->job_id[0] ? l->job_id : NULL) &&
           add_opt_id(jt, o, "wrapper_id", l->wrapper_id) && add_urls(jt, o, l) &&
           ml_jtree_add_uint(jt, o, "classes_live", ml_loader_classes_live(l)) &&
           ml_jtree_add_opt_int(jt, o, "metaspace_bytes", l->metaspace_bytes) &&
           ml_jtree_add_opt_int(jt, o, "closed_ms", v->closed_ms) &&
           ml_jtree_add_opt_int(jt, o, "leaked_ms", v->leaked_ms) &&
           ml_jtree_add_opt_int(jt, o, "unloaded_ms", v->unloaded_ms) &&
           ml_jtree_add_opt_string(jt, o, "proof", ml_proof_name(v->proof)) &&
           ml_jtree_add_uint(jt, o, "gcs_since_close", v->gcs_since_close) &&
           add_path(jt, o, l, paths_on);
}
