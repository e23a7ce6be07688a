/* CMocka tests of src/agent/tracking.c (loader tracking) on a fake JVM (fake_jvmti.c): new
 * loaders are registered once, described and tagged; classes are counted on their defining
 * loader's record, hidden ones tagged; each thread's last loader spares the tag lookup; a full
 * registry marks loaders untracked; ObjectFree marks freed loaders and unloaded hidden classes;
 * a failing JVMTI call disables the agent, except when the VM is going away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_jvmti.h"
#include "metaleak/options.h"
#include "metaleak/registry.h"
#include "state.h"
#include "tracking.h"

/* A fresh agent state over a fresh fake world, with room for max_loaders loaders. */
static void start(uint32_t max_loaders)
{
    struct ml_options opts;

    fake_reset();
    ml_options_defaults(&opts);
    ml_state_begin(NULL, fake_jvmti, false);
    assert_int_equal(ml_state_setup(&opts, "/tmp/metaleak-test.json",
                                    ml_registry_new(max_loaders, 16)),
                     JVMTI_ERROR_NONE);
    ml_set_active(true);
}

static int teardown(void **state)
{
    (void)state;
    ml_track_thread_end(fake_jni);
    ml_state_abandon();
    return 0;
}

/* What ClassPrepare does for klass, without the replay window. */
static struct ml_loader *prepare(struct fobj *klass)
{
    jobject loader = NULL;
    enum ml_track_found how;
    struct ml_loader *l = ml_track_loader_of(fake_jvmti, fake_jni, (jclass)klass, true, &loader,
                                             &how);

    if (l != NULL) {
        if (how == ML_TRACK_TAGGED || how == ML_TRACK_NEW)
            ml_track_remember(fake_jni, loader, l);
        ml_track_class(fake_jvmti, (jclass)klass, l, false, 1234);
    }
    return l;
}

static void test_new_loader_registered_and_described(void **state)
{
    struct fobj *loader, *a, *b;
    struct ml_loader *l;

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 0x2a);
    a = fake_class("Lplug/A;", loader);
    b = fake_class("Lplug/B;", loader);
    l = prepare(a);
    assert_non_null(l);
    assert_int_equal(l->id, 1);
    assert_string_equal(l->class_name, "java.net.URLClassLoader");
    assert_true(l->url_loader);
    assert_true(l->has_hash);
    assert_int_equal(l->identity_hash, 0x2a);
    assert_ptr_equal(l->handle, loader);
    /* the loader carries the record's tag; a counted class carries none outside the replay */
    assert_ptr_equal(ml_registry_lookup(ml_reg(), (uint64_t)loader->tag), l);
    assert_int_equal(a->tag, 0);
    assert_ptr_equal(prepare(b), l);
    assert_int_equal(atomic_load(&l->classes_defined), 2);
    assert_int_equal(atomic_load(&l->last_define_ms), 1234);
    assert_int_equal(atomic_load(&l->hidden_defined), 0);
    /* the worker is told about the new loader */
    assert_true((ml_mail_take(0) & ML_REQ_NEW_LOADER) != 0);
}

static void test_thread_cache_spares_tag_lookup(void **state)
{
    struct fobj *loader, *classes[4];

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 1);
    for (int i = 0; i < 4; i++)
        classes[i] = fake_class(i == 0 ? "Lp/C0;" : i == 1 ? "Lp/C1;" : i == 2 ? "Lp/C2;"
                                                                               : "Lp/C3;",
                                loader);
    fw.tag_calls_on = loader;
    prepare(classes[0]);
    fw.calls[FAKE_GET_TAG] = 0;
    for (int i = 1; i < 4; i++)
        prepare(classes[i]);
    assert_int_equal(fw.calls[FAKE_GET_TAG], 0);
    /* another thread (its own cache) looks the tag up once */
    ml_track_thread_end(fake_jni);
    prepare(classes[0]);
    assert_int_equal(fw.calls[FAKE_GET_TAG], 1);
}

static void test_bootstrap_classes(void **state)
{
    struct fobj *s;

    (void)state;
    start(64);
    s = fake_class("Ljava/lang/String;", NULL);
    assert_ptr_equal(prepare(s), ml_registry_boot(ml_reg()));
    assert_int_equal(atomic_load(&ml_registry_boot(ml_reg())->classes_defined), 1);
}

static void test_hidden_class_tagged_and_unloaded(void **state)
{
    struct fobj *loader, *h;
    struct ml_loader *l;

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 1);
    h = fake_hidden_class("Lplug/A$$Lambda.0x01;", loader);
    l = prepare(h);
    assert_non_null(l);
    assert_int_equal(atomic_load(&l->hidden_defined), 1);
    assert_int_equal((uint64_t)h->tag, ml_loader_hidden_tag(l));
    assert_int_equal(ml_loader_hidden_live(l), 1);
    ml_track_object_free(h->tag);
    assert_int_equal(atomic_load(&l->hidden_unloaded), 1);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    /* a hidden class's unloading is not its loader's */
    assert_true(atomic_load(&l->freed_ms) < 0);
}

static void test_freed_loader(void **state)
{
    struct fobj *loader;
    struct ml_loader *l;

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 1);
    l = prepare(fake_class("Lplug/A;", loader));
    (void)ml_mail_take(0);
    ml_track_object_free(loader->tag);
    assert_true(atomic_load(&l->freed_ms) >= 0);
    assert_true((ml_mail_take(0) & ML_REQ_FREED) != 0);
    /* tags that name no loader are ignored */
    ml_track_object_free((jlong)ML_TAG_SEEN);
    ml_track_object_free((jlong)ML_TAG_UNTRACKED);
    ml_track_object_free(0);
}

static void test_full_registry_marks_untracked(void **state)
{
    struct fobj *loaders[20], *cls[20];
    struct ml_registry_stats st;
    int tracked = 0;

    (void)state;
    start(16); /* the bootstrap record included */
    for (int i = 0; i < 20; i++) {
        loaders[i] = fake_loader(fake_url_loader_class(), i);
        cls[i] = fake_class("Lplug/X;", loaders[i]);
        tracked += prepare(cls[i]) != NULL;
    }
    assert_int_equal(tracked, 15);
    ml_registry_stats(ml_reg(), &st);
    assert_int_equal(st.dropped_loaders, 5);
    assert_true(((uint64_t)loaders[19]->tag & ML_TAG_UNTRACKED) != 0);
    /* the untracked loader's next class costs one GetTag and registers nothing */
    ml_track_thread_end(fake_jni);
    assert_null(prepare(cls[19]));
    ml_registry_stats(ml_reg(), &st);
    assert_int_equal(st.dropped_loaders, 5);
    assert_false(ml_failed());
}

static void test_defining_loader_and_loader_id(void **state)
{
    struct fobj *loader, *a, *parent;

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 1);
    a = fake_class("Lplug/A;", loader);
    assert_null(ml_track_defining_loader(fake_jvmti, fake_jni, (jclass)a)); /* not yet */
    prepare(a);
    assert_int_equal(ml_track_defining_loader(fake_jvmti, fake_jni, (jclass)a)->id, 1);
    assert_int_equal(ml_track_loader_id(fake_jvmti, fake_jni, NULL), 0);
    /* a parent that defined nothing is registered when asked for its id */
    parent = fake_loader(fake_url_loader_class(), 2);
    assert_int_equal(ml_track_loader_id(fake_jvmti, fake_jni, (jobject)parent), 2);
    assert_int_equal(ml_track_loader_id(fake_jvmti, fake_jni, (jobject)parent), 2);
}

static void test_failure_disables_once(void **state)
{
    struct fobj *loader;

    (void)state;
    start(64);
    loader = fake_loader(fake_url_loader_class(), 1);
    /* the VM going away is not a failure of ours */
    fw.fail[FAKE_GET_CLASS_LOADER] = JVMTI_ERROR_WRONG_PHASE;
    assert_null(prepare(fake_class("Lplug/A;", loader)));
    assert_false(ml_failed());
    assert_true(ml_active());
    /* any other error disables the agent */
    fw.fail[FAKE_GET_CLASS_LOADER] = JVMTI_ERROR_INVALID_CLASS;
    assert_null(prepare(fake_class("Lplug/B;", loader)));
    assert_true(ml_failed());
    assert_false(ml_active());
    assert_true((ml_mail_take(0) & ML_REQ_SHUTDOWN) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_new_loader_registered_and_described, teardown),
        cmocka_unit_test_teardown(test_thread_cache_spares_tag_lookup, teardown),
        cmocka_unit_test_teardown(test_bootstrap_classes, teardown),
        cmocka_unit_test_teardown(test_hidden_class_tagged_and_unloaded, teardown),
        cmocka_unit_test_teardown(test_freed_loader, teardown),
        cmocka_unit_test_teardown(test_full_registry_marks_untracked, teardown),
        cmocka_unit_test_teardown(test_defining_loader_and_loader_id, teardown),
        cmocka_unit_test_teardown(test_failure_disables_once, teardown),
    };

    return cmocka_run_group_tests_name("tracking", tests, NULL, NULL);
}
