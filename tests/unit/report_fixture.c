/* The report fixture (see report_fixture.h).
 *
 *   id  class                               state     notes
 *   0   <bootstrap>                         live      500 classes, 10 hidden
 *   1   ...ClassLoaders$AppClassLoader      live      name "app", 1200 classes (20 hidden, 2
 *                                                     unloaded), metaspace 5000000000 (> 2^32)
 *   2   java.net.URLClassLoader             closed    2 URLs (one with quotes, backslashes, a
 *                                                     tab and UTF-8), a 2049-byte URL dropped
 *   3   org.apache.flink.util.ChildFirst..  leaked    user-code child-first, job id, wrapper 4,
 *                                                     hash 0xabc, blob URL, 50 classes (4 hidden)
 *   4   ...$SafetyNetWrapperClassLoader     closed    wrapper, inner 3, no classes
 *   5   java.net.URLClassLoader             unloaded  name "leaky", leaked then unloaded
 *   6   jdk.internal.reflect.Delegating..   unloaded  never closed, hash 0
 *   7   ...PluginLoader$PluginClassLoader   live      plugin, parent unknown
 *   8   (evicted from the history: dropped.unloaded_history = 1)
 *   -   one more add beyond max_loaders = 9: dropped.loaders = 1
 */
#include "report_fixture.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/leakid.h"

static struct ml_loader *add_loader(struct ml_registry *reg, int64_t first_seen, const char *cls,
                                    const char *name, uint32_t hash, uint64_t parent)
{
    struct ml_loader *l = ml_registry_add(reg, first_seen);

    if (l == NULL)
        return NULL;
    l->inspected = true;
    l->class_name = cls ? strdup(cls) : NULL;
    l->name = name ? strdup(name) : NULL;
    l->has_hash = true;
    l->identity_hash = hash;
    l->parent_id = parent;
    return l;
}

static void classes(struct ml_loader *l, uint64_t defined, uint64_t hidden, uint64_t hidden_gone,
                    int64_t last_define_ms)
{
    atomic_store(&l->classes_defined, defined);
    atomic_store(&l->hidden_defined, hidden);
    atomic_store(&l->hidden_unloaded, hidden_gone);
    atomic_store(&l->last_define_ms, last_define_ms);
}

static int build_loaders(struct rf_fixture *fx)
{
    struct ml_registry *reg = fx->reg;
    struct ml_loader *boot = ml_registry_boot(reg);
    struct ml_loader *app, *ucl, *cf, *wrap, *leaky, *refl, *plugin, *gone;
    char *long_url;

    classes(boot, 500, 10, 0, 400);

    app = add_loader(reg, 5, "jdk.internal.loader.ClassLoaders$AppClassLoader", "app", 0x6d06d69c,
                     0);
    ucl = add_loader(reg, 800, "java.net.URLClassLoader", NULL, 0x1b6d3586, 1);
    cf = add_loader(reg, 810, "org.apache.flink.util.ChildFirstClassLoader", NULL, 0xabc, 1);
    wrap = add_loader(reg, 811,
                      "org.apache.flink.util.FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader",
                      NULL, 0x7f31245a, 1);
    leaky = add_loader(reg, 900, "java.net.URLClassLoader", "leaky", 0xffffffffu, 0);
    refl = add_loader(reg, 950, "jdk.internal.reflect.DelegatingClassLoader", NULL, 0, 1);
    plugin = add_loader(reg, 20, "org.apache.flink.core.plugin.PluginLoader$PluginClassLoader",
                        NULL, 0x2a139a55, ML_ID_NONE);
    gone = add_loader(reg, 960, "java.net.URLClassLoader", NULL, 0x11, 1);
    if (!app || !ucl || !cf || !wrap || !leaky || !refl || !plugin || !gone)
        return -1;
    if (ml_registry_add(reg, 970) != NULL)   /* max_loaders = 9: dropped */
        return -1;

    classes(app, 1200, 20, 2, 900);
    app->metaspace_bytes = 5000000000LL;

    ucl->url_loader = true;
    classes(ucl, 2, 0, 0, 815);
    if (ml_loader_add_url(reg, ucl, "file:/tmp/plugin.jar") != 0 ||
        ml_loader_add_url(reg, ucl, RF_ODD_URL) != 0)
        return -1;
    long_url = malloc(ML_MAX_URL_LEN + 2);
    if (long_url == NULL)
        return -1;
    memset(long_url, 'x', ML_MAX_URL_LEN + 1);
    long_url[ML_MAX_URL_LEN + 1] = '\0';
    ml_loader_add_url(reg, ucl, long_url);   /* dropped.urls = 1 */
    free(long_url);
    ml_verdict_close(&ucl->verdict, 1020, 3);
    ml_verdict_gc(&ucl->verdict, 3, 1, true, 1030);

    cf->url_loader = true;
    cf->role = ML_ROLE_USER_CODE;
    cf->order = ML_ORDER_CHILD_FIRST;
    memcpy(cf->job_id, RF_JOB_ID, 33);
    cf->wrapper_id = wrap->id;
    cf->metaspace_bytes = 123456;
    classes(cf, 50, 4, 0, 1000);
    if (ml_loader_add_url(reg, cf, "file:/tmp/blobStore-1/job_" RF_JOB_ID
                                   "/blob_p-0a1b2c3d-4e5f") != 0)
        return -1;
    ml_verdict_close(&cf->verdict, 1020, 2);
    ml_verdict_gc(&cf->verdict, 3, 1, true, 1533);

    wrap->url_loader = true;
    wrap->role = ML_ROLE_WRAPPER;
    wrap->inner_id = cf->id;
    ml_verdict_close(&wrap->verdict, 1100, 2);

    leaky->url_loader = true;
    classes(leaky, 10, 2, 0, 1150);
    leaky->metaspace_bytes = 0;
    if (ml_loader_add_url(reg, leaky, "file:/tmp/leaky.jar") != 0)
        return -1;
    ml_verdict_close(&leaky->verdict, 1200, 3);
    ml_verdict_gc(&leaky->verdict, 5, 1, true, 1600);
    ml_verdict_unload(&leaky->verdict, 2000);
    ml_registry_note_unloaded(reg, leaky);   /* leaked: never enters the history */

    classes(gone, 3, 0, 0, 961);
    ml_verdict_unload(&gone->verdict, 1700);
    ml_registry_note_unloaded(reg, gone);

    classes(refl, 1, 0, 0, 951);
    ml_verdict_unload(&refl->verdict, 1800);
    ml_registry_note_unloaded(reg, refl);    /* history 1: evicts `gone` */

    plugin->role = ML_ROLE_PLUGIN;
    plugin->url_loader = true;
    classes(plugin, 30, 0, 0, 700);
    if (ml_loader_add_url(reg, plugin, "file:/opt/flink/plugins/s3/flink-s3-fs-hadoop.jar") != 0)
        return -1;
    return 0;
}

static void base_meta(struct rf_fixture *fx)
{
    struct ml_report_meta *m = &fx->meta;

    ml_options_defaults(&fx->opts);
    fx->opts.interval_s = 30;
    fx->opts.log = ML_LOG_DEBUG;
    fx->opts.max_loaders = 16;  /* the options as reported; the registry itself is smaller */
    fx->opts.history = 1;
    snprintf(fx->opts.config, sizeof(fx->opts.config), "%s", "/etc/metaleak.yaml");
    snprintf(fx->opts.report, sizeof(fx->opts.report), "%s", "/tmp/metaleak-%p.json");

    memset(m, 0, sizeof(*m));
    m->trigger = "leak";
    m->generated_at_epoch_ms = 1795419814123LL;
    m->agent_version = "0.1.0";
    m->attached = false;
    m->opts = &fx->opts;
    m->report_file = "/tmp/metaleak-4242.json";
    m->pid = 4242;
    m->java_version = "17.0.15";
    m->vm_name = "OpenJDK 64-Bit Server VM";
    m->uptime_ms = 5321;
    m->start_epoch_ms = 1795419808802LL;
    m->collectors[0] = "G1 Young Generation";
    m->collectors[1] = "G1 Old Generation";
    m->collectors[2] = "G1 Concurrent GC";
    m->n_collectors = 3;
    m->full_collectors[0] = "G1 Old Generation";
    m->n_full_collectors = 1;
    m->concurrent = false;
    m->full_gcs = 5;
    m->gc_pauses = 17;
    m->metaspace_used = 123456789;
    m->metaspace_committed = 130000000;
    m->metaspace_max = -1;
    m->class_space_used = -1;
    m->class_space_committed = -1;
    m->class_space_max = -1;
    m->metaspace_source = "unavailable: unit test";
    m->hidden_class_bytes = -1;
    m->metaspace_reserved = -1;
}

/* Gives l a two-step path: a root thread (class, name) holding an owned object (field,
 * object kind, class), named as the agent names it (ml_path_identify). */
int rf_thread_path(struct ml_loader *l, const char *thread_class, const char *thread,
                   const char *field, enum ml_pg_object object, const char *owned_class)
{
    struct ml_step *s = calloc(2, sizeof(*s));

    if (s == NULL)
        return -1;
    ml_path_clear(&l->path);
    l->path.steps = s;
    l->path.n_steps = 2;
    s[0] = (struct ml_step){.ref = ML_REF_ROOT_THREAD, .object = ML_OBJ_THREAD, .index = -1,
                            .class_name = strdup(thread_class), .loader_id = 0,
                            .thread = strdup(thread)};
    s[1] = (struct ml_step){.ref = ML_REF_FIELD, .object = object, .index = -1,
                            .field = strdup(field), .class_name = strdup(owned_class),
                            .loader_id = l->id, .owned = true};
    if (s[0].class_name == NULL || s[0].thread == NULL || s[1].field == NULL ||
        s[1].class_name == NULL)
        return -1;
    l->path_status = ML_PATH_FOUND;
    l->path_search_ms = 12;
    return ml_path_identify(&l->path, ml_known_builtin()) == ML_OK ? 0 : -1;
}

static struct ml_loader *by_id(struct ml_registry *reg, uint64_t id)
{
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        if (l->id == id)
            return l;
    return NULL;
}

static int add_extras(struct rf_fixture *fx)
{
    struct ml_report_meta *m = &fx->meta;
    static const struct ml_mspace_sample samples[] = {
        {1000, 100000000, 110000000, 5, 1700, true},
        {2000, 120000000, 125000000, 6, 1750, false},
        {3000, -1, -1, 6, 1780, true},
    };

    /* The leaked loaders' paths: MySQL's cleanup thread (a known library leak) for 3, a thread
     * of the job's own (unknown) for 5. */
    if (by_id(fx->reg, 3) == NULL || by_id(fx->reg, 5) == NULL ||
        rf_thread_path(by_id(fx->reg, 3), "java.lang.Thread",
                       "mysql-cj-abandoned-connection-cleanup", "contextClassLoader",
                       ML_OBJ_LOADER, "org.apache.flink.util.ChildFirstClassLoader") != 0 ||
        rf_thread_path(by_id(fx->reg, 5), "job.Poller", "poller-1", "target", ML_OBJ_INSTANCE,
                       "job.Poller$Loop") != 0)
        return -1;
    fx->series = calloc(1, sizeof(*fx->series));
    fx->conf = calloc(1, sizeof(*fx->conf));
    if (fx->series == NULL || fx->conf == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        ml_mspace_series_add(fx->series, &samples[i]);
    memset(&fx->judgement, 0, sizeof(fx->judgement));
    fx->judgement.verdict = "leak";
    snprintf(fx->judgement.reason, sizeof(fx->judgement.reason), "%s",
             "2 leaked loaders hold 123456 bytes");
    fx->judgement.advice[0] = '\0';
    fx->judgement.baseline_growth = 20000000;
    fx->judgement.bytes_per_leak = 61728;
    fx->judgement.submissions_left = -1;
    fx->judgement.ms_left = -1;
    snprintf(fx->conf->file, sizeof(fx->conf->file), "%s", "/opt/flink/conf/config.yaml");
    fx->conf->values[ML_FK_METASPACE_SIZE] = strdup("256m");
    fx->conf->values[ML_FK_RESOLVE_ORDER] = strdup("child-first");
    if (fx->conf->values[ML_FK_METASPACE_SIZE] == NULL ||
        fx->conf->values[ML_FK_RESOLVE_ORDER] == NULL)
        return -1;
    m->samples = fx->series;
    m->judgement = &fx->judgement;
    m->flink_conf = fx->conf;
    m->class_space_used = 20000000;
    m->class_space_committed = 21000000;
    m->class_space_max = 1073741824;
    m->metaspace_max = 268435456;
    m->metaspace_reserved = 1090519040;
    m->hidden_class_bytes = 4096;
    m->oom_count = 2;
    m->oom_first_ms = 61000;
    m->oom_last_ms = 61500;
    m->oom_space = "metaspace";
    m->metaspace_source = "hotspot: VM.metaspace show-loaders";
    m->concurrent = true;
    return 0;
}

int rf_build(struct rf_fixture *fx, enum rf_variant variant)
{
    memset(fx, 0, sizeof(*fx));
    base_meta(fx);
    if (variant == RF_BOOT_ONLY) {
        fx->reg = ml_registry_new(100000, 1000);
        if (fx->reg == NULL)
            return -1;
        fx->opts.max_loaders = 100000;
        fx->opts.history = 1000;
        fx->meta.trigger = "exit";
        fx->meta.attached = true;
        fx->meta.java_version = NULL;
        fx->meta.vm_name = NULL;
        fx->meta.metaspace_used = -1;
        fx->meta.metaspace_committed = -1;
        fx->meta.metaspace_source = NULL;
        fx->meta.n_collectors = 0;
        fx->meta.n_full_collectors = 0;
        fx->meta.full_gcs = 0;
        fx->meta.gc_pauses = 0;
        fx->meta.uptime_ms = 0;
        return 0;
    }
    fx->reg = ml_registry_new(9, 1);
    if (fx->reg == NULL || build_loaders(fx) != 0)
        return -1;
    if (variant == RF_EXTRAS && add_extras(fx) != 0)
        return -1;
    if (variant == RF_UNINSPECTED) {
        /* a loader registered, then freed before its class name could be read; it takes the
         * slot of the evicted loader 8 */
        struct ml_loader *l = ml_registry_add(fx->reg, 990);

        if (l == NULL)
            return -1;
        l->has_hash = false;
        classes(l, 1, 0, 0, 990);
    }
    return 0;
}

void rf_release(struct rf_fixture *fx)
{
    ml_registry_free(fx->reg);
    fx->reg = NULL;
    free(fx->series);
    fx->series = NULL;
    if (fx->conf != NULL)
        ml_flink_conf_release(fx->conf);
    free(fx->conf);
    fx->conf = NULL;
}
