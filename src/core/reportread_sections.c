/* Reading a report's header and details (see reportread_sections.h). */
#include "reportread_sections.h"

#include <stdio.h>
#include <stdlib.h>

#include "metaleak/error.h"

int ml_rread_header(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *jvm, *ms, *sum;
    int64_t v;
    int rc;

    rc = ml_jget_str(c, root, "trigger", "trigger", true, &rf->trigger);
    if (rc == ML_OK)
        rc = ml_jget_str(c, root, "generated_at", "generated_at", true, &rf->generated_at);
    if (rc == ML_OK)
        rc = ml_jget_object(c, root, "jvm", "jvm", &jvm);
    if (rc != ML_OK)
        return rc;
    rc = ml_jget_int(c, jvm, "pid", "jvm.pid", true, false, &v);
    rf->pid = (long)v;
    if (rc == ML_OK)
        rc = ml_jget_str(c, jvm, "java_version", "jvm.java_version", false, &rf->java_version);
    if (rc == ML_OK)
        rc = ml_jget_str(c, jvm, "vm_name", "jvm.vm_name", false, &rf->vm_name);
    if (rc == ML_OK)
        rc = ml_jget_int(c, jvm, "uptime_ms", "jvm.uptime_ms", false, false, &rf->uptime_ms);
    if (rc == ML_OK)
        rc = ml_jget_int(c, jvm, "start_epoch_ms", "jvm.start_epoch_ms", false, true,
                         &rf->start_epoch_ms);
    if (rc == ML_OK)
        rc = ml_jget_object(c, root, "metaspace", "metaspace", &ms);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "used_bytes", "metaspace.used_bytes", false, true,
                         &rf->metaspace_used);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "committed_bytes", "metaspace.committed_bytes", false, true,
                         &rf->metaspace_committed);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "max_bytes", "metaspace.max_bytes", false, true,
                         &rf->metaspace_max);
    rf->mspace_bytes_per_leak = rf->mspace_submissions_left = rf->mspace_ms_left = -1;
    if (rc == ML_OK)
        rc = ml_jget_str(c, ms, "verdict", "metaspace.verdict", false, &rf->mspace_verdict);
    if (rc == ML_OK)
        rc = ml_jget_str(c, ms, "verdict_reason", "metaspace.verdict_reason", false,
                         &rf->mspace_reason);
    if (rc == ML_OK)
        rc = ml_jget_str(c, ms, "advice", "metaspace.advice", false, &rf->mspace_advice);
    if (rc == ML_OK && cJSON_IsObject(ml_jget_member(ms, "forecast"))) {
        const cJSON *f = ml_jget_member(ms, "forecast");

        rc = ml_jget_int(c, f, "bytes_per_leaked_loader",
                         "metaspace.forecast.bytes_per_leaked_loader", false, true,
                         &rf->mspace_bytes_per_leak);
        if (rc == ML_OK)
            rc = ml_jget_int(c, f, "submissions_left", "metaspace.forecast.submissions_left", false,
                             true, &rf->mspace_submissions_left);
        if (rc == ML_OK)
            rc = ml_jget_int(c, f, "ms_left", "metaspace.forecast.ms_left", false, true,
                             &rf->mspace_ms_left);
    }
    rf->oom_count = 0;
    rf->oom_first_ms = rf->oom_last_ms = -1;
    if (rc == ML_OK && ml_jget_member(ms, "out_of_memory") != NULL &&
                                      !cJSON_IsNull(ml_jget_member(ms, "out_of_memory"))) {
        const cJSON *o = ml_jget_member(ms, "out_of_memory");

        if (!cJSON_IsObject(o))
            return ml_jget_bad(c, "metaspace.out_of_memory", "is not an object or null");
        rc = ml_jget_int(c, o, "count", "metaspace.out_of_memory.count", true, false,
                         &rf->oom_count);
        if (rc == ML_OK)
            rc = ml_jget_int(c, o, "first_ms", "metaspace.out_of_memory.first_ms", true, false,
                             &rf->oom_first_ms);
        if (rc == ML_OK)
            rc = ml_jget_str(c, o, "space", "metaspace.out_of_memory.space", true, &rf->oom_space);
        if (rc == ML_OK)
            rc = ml_jget_int(c, o, "last_ms", "metaspace.out_of_memory.last_ms", false, true,
                             &rf->oom_last_ms);
    }
    if (rc == ML_OK)
        rc = ml_jget_object(c, root, "summary", "summary", &sum);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, sum, "loaders_live", "summary.loaders_live", &rf->loaders_live);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, sum, "leaked_loaders", "summary.leaked_loaders", &rf->leaked_loaders);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, sum, "loaders_unloaded", "summary.loaders_unloaded",
                          &rf->loaders_unloaded);
    if (rc == ML_OK)
        rc = ml_jget_uint(c, sum, "classes_live", "summary.classes_live", &rf->classes_live);
    /* Agent 0.2.0 and later: the class inventory (absent: -1). */
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "loaders_suspect", "summary.loaders_suspect", false, false,
                         &rf->loaders_suspect);
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "loaders_shadowing", "summary.loaders_shadowing", false, false,
                         &rf->loaders_shadowing);
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "shadowed_classes", "summary.shadowed_classes", false, false,
                         &rf->shadowed_classes);
    rf->lambdas = rf->proxies = rf->reflection_loaders = -1;
    if (rc == ML_OK && ml_jget_member(sum, "growth") != NULL) {
        const cJSON *g = NULL;

        rc = ml_jget_object(c, sum, "growth", "summary.growth", &g);
        if (rc == ML_OK)
            rc = ml_jget_int(c, g, "lambdas", "summary.growth.lambdas", true, false, &rf->lambdas);
        if (rc == ML_OK)
            rc = ml_jget_int(c, g, "proxies", "summary.growth.proxies", true, false, &rf->proxies);
        if (rc == ML_OK)
            rc = ml_jget_int(c, g, "reflection_loaders", "summary.growth.reflection_loaders", true,
                             false, &rf->reflection_loaders);
    }
    return rc;
}

/* metaspace.samples: every sample, for the chart; first and last used_bytes for growth. */
static int read_samples(struct ml_jget *c, const cJSON *ms, struct ml_rfile *rf)
{
    const cJSON *samples = ml_jget_member(ms, "samples"), *s;
    char field[64];
    size_t i = 0;
    int rc = ML_OK;

    rf->first_sample_used = rf->last_sample_used = -1;
    if (samples == NULL || cJSON_IsNull(samples))
        return ML_OK;
    if (!cJSON_IsArray(samples))
        return ml_jget_bad(c, "metaspace.samples", "is not an array");
    rf->samples = calloc((size_t)cJSON_GetArraySize(samples) + 1, sizeof(*rf->samples));
    if (rf->samples == NULL)
        return ml_jget_bad(c, "metaspace.samples", "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "metaspace.samples[%zu].%s", i, k), field)
    cJSON_ArrayForEach(s, samples) {
        struct ml_rsample *o = &rf->samples[i];

        if (!cJSON_IsObject(s))
            return ml_jget_bad(c, "metaspace.samples", "has an element that is not an object");
        rc = ml_jget_int(c, s, "used_bytes", F("used_bytes"), true, false, &o->used_bytes);
        if (rc == ML_OK)
            rc = ml_jget_int(c, s, "t_ms", F("t_ms"), false, false, &o->t_ms);
        if (rc == ML_OK)
            rc = ml_jget_int(c, s, "committed_bytes", F("committed_bytes"), false, true,
                             &o->committed_bytes);
        if (rc == ML_OK)
            rc = ml_jget_int(c, s, "loaders_live", F("loaders_live"), false, true,
                             &o->loaders_live);
        if (rc == ML_OK)
            rc = ml_jget_int(c, s, "classes_live", F("classes_live"), false, true,
                             &o->classes_live);
        if (rc == ML_OK)
            rc = ml_jget_bool(c, s, "after_full_gc", F("after_full_gc"), &o->after_full_gc);
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
static int read_flink_config(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *fc = NULL, *values = NULL, *v;
    size_t i = 0;
    int rc = ml_jget_opt_object(c, root, "flink_config", "flink_config", &fc);

    if (rc != ML_OK || fc == NULL)
        return rc;
    rf->has_flink_config = true;
    rc = ml_jget_str(c, fc, "file", "flink_config.file", false, &rf->flink_config_file);
    if (rc == ML_OK)
        rc = ml_jget_str(c, fc, "error", "flink_config.error", false, &rf->flink_config_error);
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, fc, "values", "flink_config.values", &values);
    if (rc != ML_OK || values == NULL)
        return rc;
    rf->flink_config = calloc((size_t)cJSON_GetArraySize(values) + 1, sizeof(*rf->flink_config));
    if (rf->flink_config == NULL)
        return ml_jget_bad(c, "flink_config.values", "is too large: out of memory");
    cJSON_ArrayForEach(v, values) {
        if (!cJSON_IsNull(v) && !cJSON_IsString(v))
            return ml_jget_bad(c, "flink_config.values",
                               "has a value that is not a string or null");
        rf->flink_config[i].key = v->string;
        rf->flink_config[i].value = cJSON_IsString(v) ? v->valuestring : NULL;
        rf->n_flink_config = ++i;
    }
    return ML_OK;
}

/* paths.groups: leaked loaders grouped by the shape of their path (agent 0.2.0+). */
static int read_path_groups(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf)
{
    const cJSON *paths = NULL, *groups, *g;
    char field[64];
    size_t i = 0;
    int rc = ml_jget_opt_object(c, root, "paths", "paths", &paths);

    if (rc != ML_OK || paths == NULL)
        return rc;
    rc = ml_jget_str(c, paths, "mode", "paths.mode", false, &rf->paths_mode);
    groups = ml_jget_member(paths, "groups");
    if (rc != ML_OK || groups == NULL || cJSON_IsNull(groups))
        return rc;
    if (!cJSON_IsArray(groups))
        return ml_jget_bad(c, "paths.groups", "is not an array");
    rf->path_groups = calloc((size_t)cJSON_GetArraySize(groups) + 1, sizeof(*rf->path_groups));
    if (rf->path_groups == NULL)
        return ml_jget_bad(c, "paths.groups", "is too large: out of memory");
#define F(k) (snprintf(field, sizeof(field), "paths.groups[%zu].%s", i, k), field)
    cJSON_ArrayForEach(g, groups) {
        struct ml_rpgroup *pg = &rf->path_groups[i];
        const cJSON *ids, *id;
        uint64_t *out;
        size_t k = 0;

        rf->n_path_groups = i + 1; /* released with the file, also on error */
        if (!cJSON_IsObject(g))
            return ml_jget_bad(c, "paths.groups", "has an element that is not an object");
        rc = ml_jget_str(c, g, "cause", F("cause"), false, &pg->cause);
        if (rc == ML_OK)
            rc = ml_jget_str(c, g, "shape", F("shape"), false, &pg->shape);
        if (rc == ML_OK)
            rc = ml_jget_str(c, g, "signature", F("signature"), false, &pg->signature);
        if (rc == ML_OK)
            rc = ml_jget_array(c, g, "loader_ids", F("loader_ids"), &ids);
        if (rc != ML_OK)
            return rc;
        out = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*out));
        if (out == NULL)
            return ml_jget_bad(c, F("loader_ids"), "is too large: out of memory");
        pg->loader_ids = out;
        cJSON_ArrayForEach(id, ids) {
            double d = cJSON_IsNumber(id) ? id->valuedouble : -1;

            if (!ml_jget_whole(d))
                return ml_jget_bad(c, F("loader_ids"), "has an element that is not a whole number");
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
int ml_rread_details(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf)
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
    rc = ml_jget_opt_object(c, root, "agent", "agent", &agent);
    if (rc == ML_OK && agent != NULL) {
        rc = ml_jget_str(c, agent, "version", "agent.version", false, &rf->agent_version);
        if (rc == ML_OK)
            rc = ml_jget_bool(c, agent, "attached", "agent.attached", &rf->attached);
        if (rc == ML_OK)
            rc = ml_jget_opt_object(c, agent, "options", "agent.options", &opts);
        if (rc == ML_OK && opts != NULL && ml_jget_member(opts, "verify_on_exit") != NULL) {
            bool v = false;

            rc = ml_jget_bool(c, opts, "verify_on_exit", "agent.options.verify_on_exit", &v);
            rf->verify_on_exit = v ? 1 : 0;
        }
    }
    ms = ml_jget_member(root, "metaspace"); /* an object: read_header checked it */
    if (rc == ML_OK)
        rc = read_samples(c, ms, rf);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "reserved_bytes", "metaspace.reserved_bytes", false, true,
                         &rf->metaspace_reserved);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "hidden_class_bytes", "metaspace.hidden_class_bytes", false, true,
                         &rf->hidden_class_bytes);
    if (rc == ML_OK)
        rc = ml_jget_int(c, ms, "baseline_growth_bytes", "metaspace.baseline_growth_bytes", false,
                         true, &rf->baseline_growth);
    if (rc == ML_OK)
        rc = ml_jget_str(c, ms, "source", "metaspace.source", false, &rf->metaspace_source);
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, ms, "compressed_class_space", "metaspace.compressed_class_space",
                                &ccs);
    if (rc == ML_OK && ccs != NULL) {
        rc = ml_jget_int(c, ccs, "used_bytes", "metaspace.compressed_class_space.used_bytes", false,
                         true, &rf->ccs_used);
        if (rc == ML_OK)
            rc = ml_jget_int(c, ccs, "committed_bytes",
                             "metaspace.compressed_class_space.committed_bytes", false, true,
                             &rf->ccs_committed);
        if (rc == ML_OK)
            rc = ml_jget_int(c, ccs, "max_bytes", "metaspace.compressed_class_space.max_bytes",
                             false, true, &rf->ccs_max);
    }
    sum = ml_jget_member(root, "summary"); /* an object: read_header checked it */
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "loaders_total", "summary.loaders_total", false, false,
                         &rf->loaders_total);
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "loaders_closed", "summary.loaders_closed", false, false,
                         &rf->loaders_closed);
    if (rc == ML_OK)
        rc = ml_jget_int(c, sum, "hidden_classes_live", "summary.hidden_classes_live", false, false,
                         &rf->hidden_classes_live);
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, root, "dropped", "dropped", &dropped);
    if (rc == ML_OK && dropped != NULL) {
        rc = ml_jget_int(c, dropped, "loaders", "dropped.loaders", false, false,
                         &rf->dropped_loaders);
        if (rc == ML_OK)
            rc = ml_jget_int(c, dropped, "urls", "dropped.urls", false, false, &rf->dropped_urls);
        if (rc == ML_OK)
            rc = ml_jget_int(c, dropped, "unloaded_history", "dropped.unloaded_history", false,
                             false, &rf->dropped_history);
    }
    if (rc == ML_OK)
        rc = ml_jget_opt_object(c, root, "gc", "gc", &gc);
    if (rc == ML_OK && gc != NULL) {
        const char **full = NULL;
        size_t n_full = 0;

        rc = ml_jget_strings(c, gc, "collectors", "gc.collectors", &rf->collectors,
                             &rf->n_collectors);
        fc = ml_jget_member(gc, "full_collectors");
        if (rc == ML_OK && fc != NULL) {
            rc = ml_jget_strings(c, gc, "full_collectors", "gc.full_collectors", &full, &n_full);
            rf->n_full_collectors = (int64_t)n_full;
            free((void *)full);
        }
        if (rc == ML_OK)
            rc = ml_jget_int(c, gc, "full_gcs", "gc.full_gcs", false, false, &rf->full_gcs);
        if (rc == ML_OK)
            rc = ml_jget_bool(c, gc, "concurrent", "gc.concurrent", &rf->gc_concurrent);
    }
    if (rc == ML_OK)
        rc = read_flink_config(c, root, rf);
    if (rc == ML_OK)
        rc = read_path_groups(c, root, rf);
    return rc;
}
