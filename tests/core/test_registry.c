/* CMocka tests: the loader registry (tags, bounds, history, concurrency), the verdict state
 * machine, report rendering (round trip), Flink roles and job ids, names, collectors and the
 * atomic file writer. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/atomicfile.h"
#include "metaleak/error.h"
#include "metaleak/flink.h"
#include "metaleak/gcinfo.h"
#include "metaleak/jnames.h"
#include "metaleak/registry.h"
#include "metaleak/report.h"
#include "metaleak/verdict.h"

static void test_tags_and_lookup(void **state)
{
    struct ml_registry *reg = ml_registry_new(64, 10);
    struct ml_loader *a, *b;

    (void)state;
    assert_non_null(reg);
    assert_int_equal(ml_registry_boot(reg)->id, 0);
    a = ml_registry_add(reg, 5);
    b = ml_registry_add(reg, 6);
    assert_int_equal(a->id, 1);
    assert_int_equal(b->id, 2);
    assert_ptr_equal(ml_registry_lookup(reg, ml_loader_tag(a)), a);
    assert_ptr_equal(ml_registry_lookup(reg, ml_loader_tag(b)), b);
    assert_ptr_equal(ml_registry_lookup(reg, ml_loader_hidden_tag(b)), b);
    assert_null(ml_registry_lookup(reg, 0));
    assert_null(ml_registry_lookup(reg, ML_TAG_SEEN));
    assert_null(ml_registry_lookup(reg, ML_TAG_UNTRACKED));
    assert_null(ml_registry_lookup(reg, 999));
    assert_ptr_equal(ml_registry_find_id(reg, 2), b);
    assert_null(ml_registry_find_id(reg, 77));
    assert_int_equal(a->first_seen_ms, 5);
    assert_int_equal(a->parent_id, ML_ID_NONE);
    assert_int_equal(a->metaspace_bytes, -1);
    ml_registry_free(reg);
}

static void test_bound(void **state)
{
    struct ml_registry *reg = ml_registry_new(4, 10);
    struct ml_registry_stats st;

    (void)state;
    assert_non_null(ml_registry_add(reg, 0));
    assert_non_null(ml_registry_add(reg, 0));
    assert_non_null(ml_registry_add(reg, 0)); /* boot + 3 = 4 */
    assert_null(ml_registry_add(reg, 0));
    assert_null(ml_registry_add(reg, 0));
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 4);
    assert_int_equal(st.dropped_loaders, 2);
    ml_registry_free(reg);
}

static struct ml_loader *unload(struct ml_registry *reg, struct ml_loader *l, int64_t when)
{
    ml_verdict_unload(&l->verdict, when);
    ml_registry_note_unloaded(reg, l);
    return l;
}

static void test_history_eviction_and_reuse(void **state)
{
    struct ml_registry *reg = ml_registry_new(8, 2);
    struct ml_loader *l[4];
    uint64_t old_tag;
    struct ml_registry_stats st;

    (void)state;
    for (int i = 0; i < 4; i++)
        l[i] = ml_registry_add(reg, i);
    /* l[1] is proven leaked: never evicted */
    ml_verdict_close(&l[1]->verdict, 1, 0);
    assert_true(ml_verdict_gc(&l[1]->verdict, 1, 1, true, 2));
    old_tag = ml_loader_tag(l[0]);
    unload(reg, l[0], 10);
    unload(reg, l[1], 11);
    unload(reg, l[2], 12);
    unload(reg, l[3], 13); /* third non-leaked unloaded: l[0] is forgotten */
    ml_registry_stats(reg, &st);
    assert_int_equal(st.dropped_history, 1);
    assert_null(ml_registry_lookup(reg, old_tag));
    assert_null(ml_registry_find_id(reg, 1));
    assert_non_null(ml_registry_find_id(reg, 2)); /* leaked, kept */
    /* the freed slot is reused with a new generation; the stale tag still resolves to nothing */
    {
        struct ml_loader *n = ml_registry_add(reg, 20);

        assert_int_equal(n->id, 5);
        assert_int_not_equal(ml_loader_tag(n), old_tag);
        assert_null(ml_registry_lookup(reg, old_tag));
        assert_ptr_equal(ml_registry_lookup(reg, ml_loader_tag(n)), n);
    }
    ml_registry_free(reg);
}

static void test_urls_and_counts(void **state)
{
    struct ml_registry *reg = ml_registry_new(8, 2);
    struct ml_loader *l = ml_registry_add(reg, 0);
    struct ml_registry_stats st;
    char big[ML_MAX_URL_LEN + 2];

    (void)state;
    for (int i = 0; i < ML_MAX_URLS; i++)
        assert_int_equal(ml_loader_add_url(reg, l, "file:/a.jar"), ML_OK);
    assert_int_equal(ml_loader_add_url(reg, l, "file:/one-too-many.jar"), ML_ERR_FULL);
    ml_loader_clear_urls(l);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(ml_loader_add_url(reg, l, big), ML_ERR_FULL);
    ml_registry_stats(reg, &st);
    assert_int_equal(st.dropped_urls, 2);

    atomic_store(&l->classes_defined, 10);
    atomic_store(&l->hidden_defined, 4);
    atomic_store(&l->hidden_unloaded, 3);
    assert_int_equal(ml_loader_classes_live(l), 7);
    assert_int_equal(ml_loader_hidden_live(l), 1);
    ml_verdict_unload(&l->verdict, 5);
    assert_int_equal(ml_loader_classes_live(l), 0);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    ml_registry_free(reg);
}

struct worker_arg {
    struct ml_registry *reg;
    pthread_mutex_t *lock;
    uint64_t tags[64];
    int n_tags;
};

static void *count_classes(void *p)
{
    struct worker_arg *w = p;

    for (int i = 0; i < 100000; i++) {
        struct ml_loader *l = ml_registry_lookup(w->reg, w->tags[i % w->n_tags]);

        if (l != NULL)
            atomic_fetch_add(&l->classes_defined, 1);
    }
    return NULL;
}

static void *add_loaders(void *p)
{
    struct worker_arg *w = p;

    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(w->lock);
        ml_registry_add(w->reg, i);
        pthread_mutex_unlock(w->lock);
    }
    return NULL;
}

/* 8 threads count classes lock-free while another adds loaders (new chunks) under the lock:
 * the totals are exact. */
static void test_concurrency(void **state)
{
    struct ml_registry *reg = ml_registry_new(100000, 10);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct worker_arg arg = {reg, &lock, {0}, 0};
    pthread_t counters[8], adder;
    uint64_t total = 0;

    (void)state;
    for (int i = 0; i < 64; i++)
        arg.tags[arg.n_tags++] = ml_loader_tag(ml_registry_add(reg, 0));
    assert_int_equal(pthread_create(&adder, NULL, add_loaders, &arg), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&counters[i], NULL, count_classes, &arg), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(counters[i], NULL);
    pthread_join(adder, NULL);
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL; l = ml_registry_next(reg, l))
        total += atomic_load(&l->classes_defined);
    assert_int_equal(total, 8 * 100000);
    ml_registry_free(reg);
}

static void test_verdict(void **state)
{
    struct ml_verdict v;

    (void)state;
    ml_verdict_init(&v);
    assert_int_equal(v.state, ML_STATE_LIVE);
    assert_false(ml_verdict_gc(&v, 5, 1, true, 10)); /* live: no verdict */
    assert_true(ml_verdict_close(&v, 100, 3));
    assert_false(ml_verdict_close(&v, 101, 4));     /* closing twice changes nothing */
    assert_int_equal(v.closed_ms, 100);
    assert_false(ml_verdict_gc(&v, 3, 1, true, 110)); /* no collection since the close */
    assert_false(ml_verdict_gc(&v, 2, 1, true, 110)); /* count below the base */
    assert_false(ml_verdict_gc(&v, 4, 2, true, 120)); /* needs 2 */
    assert_int_equal(v.gcs_since_close, 1);
    assert_false(ml_verdict_gc(&v, 5, 2, false, 130)); /* not alive: never leaked */
    assert_int_equal(v.state, ML_STATE_CLOSED);
    assert_true(ml_verdict_gc(&v, 5, 2, true, 140));
    assert_int_equal(v.state, ML_STATE_LEAKED);
    assert_true(v.leaked);
    assert_int_equal(v.proof, ML_PROOF_FULL_GC);
    assert_int_equal(v.leaked_ms, 140);
    assert_false(ml_verdict_gc(&v, 9, 2, true, 150)); /* only once */
    assert_int_equal(v.gcs_since_close, 6);
    ml_verdict_unload(&v, 200);
    assert_int_equal(v.state, ML_STATE_UNLOADED);
    assert_true(v.leaked);
    assert_int_equal(v.unloaded_ms, 200);
    ml_verdict_unload(&v, 300);
    assert_int_equal(v.unloaded_ms, 200);
    assert_string_equal(ml_state_name(ML_STATE_CLOSED), "closed");
    assert_string_equal(ml_proof_name(ML_PROOF_FULL_GC), "full-gc");
    assert_null(ml_proof_name(ML_PROOF_NONE));

    ml_verdict_init(&v);
    ml_verdict_unload(&v, 5); /* a live loader collected */
    assert_false(v.leaked);
    assert_false(ml_verdict_close(&v, 6, 0));
}

static void test_report_round_trip(void **state)
{
    struct ml_registry *reg = ml_registry_new(16, 10);
    struct ml_loader *app = ml_registry_add(reg, 1), *cf = ml_registry_add(reg, 2),
                     *wrap = ml_registry_add(reg, 3), *gone = ml_registry_add(reg, 4);
    struct ml_options opts;
    struct ml_report_meta meta;
    cJSON *root, *loaders, *leaks, *l;
    char *text;

    (void)state;
    ml_options_defaults(&opts);
    app->class_name = strdup("jdk.internal.loader.ClassLoaders$AppClassLoader");
    app->name = strdup("app");
    app->parent_id = 0;
    app->has_hash = true;
    app->identity_hash = 0x6d06d69c;
    cf->class_name = strdup("org.apache.flink.util.ChildFirstClassLoader");
    cf->role = ML_ROLE_USER_CODE;
    cf->order = ML_ORDER_CHILD_FIRST;
    strcpy(cf->job_id, "0123456789abcdef0123456789abcdef");
    cf->wrapper_id = wrap->id;
    cf->parent_id = app->id;
    cf->metaspace_bytes = 4096;
    ml_loader_add_url(reg, cf, "file:/tmp/blobStorage/job_0123456789abcdef0123456789abcdef/blob_p-1");
    atomic_store(&cf->classes_defined, 7);
    ml_verdict_close(&cf->verdict, 50, 0);
    ml_verdict_gc(&cf->verdict, 1, 1, true, 60);
    wrap->class_name = strdup("org.apache.flink.util.FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader");
    wrap->role = ML_ROLE_WRAPPER;
    wrap->inner_id = cf->id;
    ml_verdict_close(&wrap->verdict, 50, 0);
    gone->class_name = strdup("java.net.URLClassLoader");
    atomic_store(&gone->classes_defined, 2);
    ml_verdict_close(&gone->verdict, 30, 0);
    ml_verdict_unload(&gone->verdict, 40);
    atomic_store(&ml_registry_boot(reg)->classes_defined, 500);

    memset(&meta, 0, sizeof(meta));
    meta.trigger = "exit";
    meta.generated_at_epoch_ms = 1795420748123LL;
    meta.agent_version = "0.1.0";
    meta.opts = &opts;
    meta.report_path = "/tmp/r.json";
    meta.pid = 42;
    meta.java_version = "17.0.15";
    meta.vm_name = "VM";
    meta.uptime_ms = 70;
    meta.metaspace_used = 100;
    meta.metaspace_committed = 200;
    meta.metaspace_max = -1;
    meta.class_space_used = -1;
    meta.hidden_class_bytes = -1;
    meta.metaspace_reserved = -1;
    text = ml_report_render(reg, &meta);
    assert_non_null(text);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "schema")->valuestring, "metaleak-report/1");
    assert_string_equal(cJSON_GetObjectItem(root, "generated_at")->valuestring,
                        "2026-11-23T07:59:08.123Z");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "metaspace"),
                                                 "max_bytes")));
    loaders = cJSON_GetObjectItem(root, "loaders");
    assert_int_equal(cJSON_GetArraySize(loaders), 5);
    l = cJSON_GetArrayItem(loaders, 0);
    assert_string_equal(cJSON_GetObjectItem(l, "class")->valuestring, "<bootstrap>");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(l, "identity_hash")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(l, "parent_id")));
    l = cJSON_GetArrayItem(loaders, 1);
    assert_string_equal(cJSON_GetObjectItem(l, "identity_hash")->valuestring, "6d06d69c");
    assert_int_equal(cJSON_GetObjectItem(l, "parent_id")->valueint, 0);
    l = cJSON_GetArrayItem(loaders, 2);
    assert_string_equal(cJSON_GetObjectItem(l, "state")->valuestring, "leaked");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "flink"), "role")->valuestring,
                        "user-code");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(l, "flink"), "resolve_order")->valuestring,
        "child-first");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "flink"), "wrapper_id")->valueint,
                     3);
    assert_int_equal(cJSON_GetObjectItem(l, "metaspace_bytes")->valueint, 4096);
    l = cJSON_GetArrayItem(loaders, 3);
    assert_string_equal(cJSON_GetObjectItem(l, "state")->valuestring, "closed");
    l = cJSON_GetArrayItem(loaders, 4);
    assert_string_equal(cJSON_GetObjectItem(l, "state")->valuestring, "unloaded");
    assert_int_equal(cJSON_GetObjectItem(l, "classes_live")->valueint, 0);
    leaks = cJSON_GetObjectItem(root, "leaks");
    assert_int_equal(cJSON_GetArraySize(leaks), 1);
    l = cJSON_GetArrayItem(leaks, 0);
    assert_int_equal(cJSON_GetObjectItem(l, "loader_id")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(l, "job_id")->valuestring,
                        "0123456789abcdef0123456789abcdef");
    assert_string_equal(cJSON_GetObjectItem(l, "proof")->valuestring, "full-gc");
    assert_int_equal(cJSON_GetObjectItem(l, "classes_live")->valueint, 7);
    l = cJSON_GetObjectItem(root, "summary");
    assert_int_equal(cJSON_GetObjectItem(l, "leaked_loaders")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(l, "loaders_unloaded")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(l, "loaders_closed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(l, "classes_defined")->valueint, 509);
    cJSON_Delete(root);
    cJSON_free(text);
    ml_registry_free(reg);
}

static void test_flink_roles(void **state)
{
    static const char *const child_first[] = {
        "Lorg/apache/flink/util/ChildFirstClassLoader;",
        "Lorg/apache/flink/util/FlinkUserCodeClassLoader;",
        "Lorg/apache/flink/util/MutableURLClassLoader;", "Ljava/net/URLClassLoader;",
        "Ljava/security/SecureClassLoader;", "Ljava/lang/ClassLoader;"};
    static const char *const parent_first[] = {
        "Lorg/apache/flink/util/FlinkUserCodeClassLoaders$ParentFirstClassLoader;",
        "Lorg/apache/flink/util/FlinkUserCodeClassLoader;", "Ljava/net/URLClassLoader;"};
    static const char *const sub_child[] = {"Lcom/acme/MyLoader;",
                                            "Lorg/apache/flink/util/ChildFirstClassLoader;",
                                            "Lorg/apache/flink/util/FlinkUserCodeClassLoader;"};
    static const char *const old_wrapper[] = {
        "Lorg/apache/flink/runtime/execution/librarycache/"
        "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;",
        "Ljava/net/URLClassLoader;"};
    static const char *const plugin[] = {
        "Lorg/apache/flink/core/plugin/PluginLoader$PluginClassLoader;",
        "Lorg/apache/flink/core/classloading/ComponentClassLoader;"};
    static const char *const planner[] = {
        "Lorg/apache/flink/table/planner/loader/PlannerModule$PlannerComponentClassLoader;",
        "Lorg/apache/flink/core/classloading/ComponentClassLoader;"};
    static const char *const rpc[] = {"Lorg/apache/flink/core/classloading/SubmoduleClassLoader;",
                                      "Lorg/apache/flink/core/classloading/ComponentClassLoader;"};
    static const char *const other[] = {"Ljava/net/URLClassLoader;", "Ljava/lang/ClassLoader;"};
    enum ml_order order;

    (void)state;
    assert_int_equal(ml_flink_role(child_first, 6, &order), ML_ROLE_USER_CODE);
    assert_int_equal(order, ML_ORDER_CHILD_FIRST);
    assert_int_equal(ml_flink_role(parent_first, 3, &order), ML_ROLE_USER_CODE);
    assert_int_equal(order, ML_ORDER_PARENT_FIRST);
    assert_int_equal(ml_flink_role(sub_child, 3, &order), ML_ROLE_USER_CODE);
    assert_int_equal(order, ML_ORDER_CHILD_FIRST);
    assert_int_equal(ml_flink_role(old_wrapper, 2, &order), ML_ROLE_WRAPPER);
    assert_true(ml_flink_is_wrapper_sig(old_wrapper[0]));
    assert_int_equal(ml_flink_role(plugin, 2, &order), ML_ROLE_PLUGIN);
    assert_int_equal(ml_flink_role(planner, 2, &order), ML_ROLE_TABLE_PLANNER);
    assert_int_equal(ml_flink_role(rpc, 2, &order), ML_ROLE_SUBMODULE);
    assert_int_equal(ml_flink_role(other, 2, &order), ML_ROLE_NONE);
    assert_int_equal(order, ML_ORDER_NONE);
    assert_string_equal(ml_role_name(ML_ROLE_WRAPPER), "safety-net-wrapper");
    assert_null(ml_role_name(ML_ROLE_NONE));
}

static void test_job_ids(void **state)
{
    char id[33];

    (void)state;
    assert_true(ml_flink_job_id("file:/tmp/tm_tm1/blobStorage/job_9f0c0123456789abcdef0123456789ab/"
                                "blob_p-5d91-7237", id));
    assert_string_equal(id, "9f0c0123456789abcdef0123456789ab");
    assert_false(ml_flink_job_id("file:/x/job_9F0C0123456789ABCDEF0123456789AB/blob_p-1", id));
    assert_false(ml_flink_job_id("file:/x/job_9f0c0123456789abcdef0123456789a/blob_p-1", id));
    assert_false(ml_flink_job_id("file:/x/job_9f0c0123456789abcdef0123456789ab/other", id));
    assert_string_equal(id, "");
    assert_true(ml_flink_job_id("file:/job_zz/job_00000000000000000000000000000001/blob_p-1", id));
    assert_string_equal(id, "00000000000000000000000000000001");
}

static void test_names_and_collectors(void **state)
{
    char out[64];

    (void)state;
    assert_true(ml_sig_to_name("Ljava/net/URLClassLoader;", out, sizeof(out)));
    assert_string_equal(out, "java.net.URLClassLoader");
    assert_false(ml_sig_to_name("[I", out, sizeof(out)));
    assert_false(ml_sig_to_name("Ljava/net/URLClassLoader;", out, 8));
    assert_true(ml_sig_is_hidden("Lp/Foo$$Lambda$14.0x0000000800c03000;"));
    assert_false(ml_sig_is_hidden("Lp/Foo$Bar;"));
    assert_int_equal(ml_gc_classify("G1 Old Generation"), ML_GC_FULL_STW);
    assert_int_equal(ml_gc_classify("PS MarkSweep"), ML_GC_FULL_STW);
    assert_int_equal(ml_gc_classify("MarkSweepCompact"), ML_GC_FULL_STW);
    assert_int_equal(ml_gc_classify("ZGC Cycles"), ML_GC_FULL_CONCURRENT);
    assert_int_equal(ml_gc_classify("ZGC Major Cycles"), ML_GC_FULL_CONCURRENT);
    assert_int_equal(ml_gc_classify("Shenandoah Cycles"), ML_GC_FULL_CONCURRENT);
    for (const char *const *n = (const char *const[]){"G1 Young Generation", "G1 Concurrent GC",
                                                      "PS Scavenge", "Copy", "ZGC Pauses",
                                                      "ZGC Minor Cycles", "ZGC Minor Pauses",
                                                      "ZGC Major Pauses", "Shenandoah Pauses",
                                                      NULL};
         *n != NULL; n++)
        assert_int_equal(ml_gc_classify(*n), ML_GC_OTHER);
}

static void test_atomic_write(void **state)
{
    char dir[] = "/tmp/metaleak-aw-XXXXXX";
    char path[128], tmp[160], err[512], buf[64];
    struct stat st;
    FILE *f;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/r.json", dir);
    assert_int_equal(ml_write_atomic(path, "first", 5, err, sizeof(err)), ML_OK);
    assert_int_equal(ml_write_atomic(path, "second", 6, err, sizeof(err)), ML_OK);
    f = fopen(path, "r");
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "second", 6);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777 & ~0640, 0);
    /* a symlink planted at the temp name is replaced, never written through */
    snprintf(tmp, sizeof(tmp), "%s/.r.json.tmp.%ld", dir, (long)getpid());
    assert_int_equal(symlink("/tmp/metaleak-aw-target-must-not-exist", tmp), 0);
    assert_int_equal(ml_write_atomic(path, "third", 5, err, sizeof(err)), ML_OK);
    assert_int_not_equal(access("/tmp/metaleak-aw-target-must-not-exist", F_OK), 0);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* a directory that does not exist: an error naming the path, no temp file */
    snprintf(path, sizeof(path), "%s/missing/r.json", dir);
    assert_int_equal(ml_write_atomic(path, "x", 1, err, sizeof(err)), ML_ERR_IO);
    assert_non_null(strstr(err, path));
    snprintf(path, sizeof(path), "%s/r.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_and_lookup),  cmocka_unit_test(test_bound),
        cmocka_unit_test(test_history_eviction_and_reuse), cmocka_unit_test(test_urls_and_counts),
        cmocka_unit_test(test_concurrency),      cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_report_round_trip), cmocka_unit_test(test_flink_roles),
        cmocka_unit_test(test_job_ids),          cmocka_unit_test(test_names_and_collectors),
        cmocka_unit_test(test_atomic_write),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
