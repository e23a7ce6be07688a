/* CMocka tests of src/agent/replay.c on a fake JVM (fake_jvmti.c): the replay counts every
 * prepared, non-array class that existed before the events exactly once, also when its
 * ClassPrepare comes during the replay or right after it; on attach, a loader first met by a
 * ClassPrepare during the replay gets its earlier classes counted at once, and once.
 *
 * The replay keeps per-thread state (each thread's first event after the replay), so every
 * test body runs on a thread of its own; it returns what failed (CHECK), and the test asserts
 * on CMocka's thread. */
#include <pthread.h>
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
#include "replay.h"
#include "state.h"
#include "tracking.h"

/* In a test body: returns the failed condition's text. */
#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond))                                                                           \
            return "line " ML_STR(__LINE__) ": " #cond;                                        \
    } while (0)
#define ML_STR2(x) #x
#define ML_STR(x) ML_STR2(x)

typedef const char *(*body_fn)(void);

static bool start(bool attached)
{
    struct ml_options opts;

    fake_reset();
    ml_options_defaults(&opts);
    ml_state_begin(NULL, fake_jvmti, attached);
    if (ml_replay_init(fake_jvmti) != JVMTI_ERROR_NONE ||
        ml_state_setup(&opts, "/tmp/metaleak-test.json", ml_registry_new(64, 16)) !=
            JVMTI_ERROR_NONE)
        return false;
    ml_set_active(true);
    return true;
}

struct run {
    body_fn body;
    const char *failed;
};

static void *run_body(void *arg)
{
    struct run *r = arg;

    r->failed = r->body();
    ml_track_thread_end(fake_jni);
    return NULL;
}

/* Runs body on a new thread (fresh per-thread state), cleans the agent state up and fails
 * the test with what the body found wrong. */
static void on_own_thread(body_fn body)
{
    struct run r = {body, NULL};
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, run_body, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    ml_state_abandon();
    if (r.failed != NULL)
        fail_msg("%s", r.failed);
}

static uint64_t defined(const struct fobj *loader_obj)
{
    struct ml_loader *l = ml_registry_lookup(ml_reg(), (uint64_t)loader_obj->tag);

    return l == NULL ? 0 : atomic_load(&l->classes_defined);
}

static const char *replay_counts_once(void)
{
    struct fobj *loader, *arr;
    struct ml_loader *boot;

    CHECK(start(false));
    loader = fake_loader(fake_url_loader_class(), 7);
    fake_class("Lp/A;", loader);
    fake_class("Lp/B;", loader);
    fake_class("Ljava/lang/String;", NULL);
    arr = fake_class("[Lp/A;", loader);
    arr->status |= JVMTI_CLASS_STATUS_ARRAY;
    fake_class("Lp/Loading;", loader)->status = JVMTI_CLASS_STATUS_VERIFIED; /* not prepared */
    CHECK(ml_replay_run(fake_jvmti, fake_jni) == 0);
    CHECK(defined(loader) == 2);
    boot = ml_registry_boot(ml_reg());
    CHECK(atomic_load(&boot->classes_defined) == 1);
    /* every counted class carries the counted tag */
    for (int i = 0; i < 3; i++)
        CHECK(fw.loaded[i]->tag == (jlong)ML_TAG_SEEN);
    CHECK(fw.monitors_held == 0);
    return NULL;
}

static void test_replay_counts_once(void **state)
{
    (void)state;
    on_own_thread(replay_counts_once);
}

/* A class prepared while the replay runs: its ClassPrepare and the replay both see it. */
static struct fobj *late_class;

static void prepare_late_class(void *arg)
{
    (void)arg;
    fw.on_list = NULL;
    /* its event before the replay reaches it: counted and marked under the replay monitor */
    ml_replay_class_prepare(fake_jvmti, fake_jni, (jclass)late_class);
}

static const char *class_prepare_during_replay(void)
{
    struct fobj *loader;

    CHECK(start(false));
    loader = fake_loader(fake_url_loader_class(), 7);
    fake_class("Lp/A;", loader);
    late_class = fake_class("Lp/Late;", loader);
    fw.on_list = prepare_late_class;
    CHECK(ml_replay_run(fake_jvmti, fake_jni) == 0);
    CHECK(defined(loader) == 2);
    /* and an event that comes after the replay read the class: the thread's first event
     * after the replay checks the tag, and does not count it again */
    ml_replay_class_prepare(fake_jvmti, fake_jni, (jclass)fw.loaded[0]);
    CHECK(defined(loader) == 2);
    /* later events are counted without a tag check */
    fw.calls[FAKE_GET_TAG] = 0;
    fw.tag_calls_on = fake_class("Lp/New;", loader);
    ml_replay_class_prepare(fake_jvmti, fake_jni, (jclass)fw.tag_calls_on);
    CHECK(defined(loader) == 3);
    CHECK(fw.calls[FAKE_GET_TAG] == 0);
    CHECK(fw.tag_calls_on->tag == 0);
    return NULL;
}

static void test_class_prepare_during_replay(void **state)
{
    (void)state;
    on_own_thread(class_prepare_during_replay);
}

/* On attach: a loader that the replay has not reached yet defines one more class. */
static struct fobj *attach_loader, *attach_new;

static void new_loader_during_replay(void *arg)
{
    (void)arg;
    fw.on_list = NULL;
    attach_new = fake_class("Lq/New;", attach_loader);
    ml_replay_class_prepare(fake_jvmti, fake_jni, (jclass)attach_new);
}

static const char *earlier_classes_on_attach(void)
{
    CHECK(start(true));
    attach_loader = fake_loader(fake_url_loader_class(), 9);
    fake_class("Lq/Old1;", attach_loader);
    fake_class("Lq/Old2;", attach_loader);
    fw.on_list = new_loader_during_replay;
    CHECK(ml_replay_run(fake_jvmti, fake_jni) == 0);
    /* Old1, Old2 (counted when the loader registered, from GetClassLoaderClasses, New among
     * them) and New: each once, although the replay met all three again */
    CHECK(fw.calls[FAKE_GET_LOADER_CLASSES] == 1);
    CHECK(defined(attach_loader) == 3);
    return NULL;
}

static void test_earlier_classes_on_attach(void **state)
{
    (void)state;
    on_own_thread(earlier_classes_on_attach);
}

/* At start-up (not attached) nothing existed before the events: no GetClassLoaderClasses. */
static const char *no_earlier_classes_at_startup(void)
{
    CHECK(start(false));
    attach_loader = fake_loader(fake_url_loader_class(), 9);
    fw.on_list = new_loader_during_replay;
    CHECK(ml_replay_run(fake_jvmti, fake_jni) == 0);
    CHECK(fw.calls[FAKE_GET_LOADER_CLASSES] == 0);
    CHECK(defined(attach_loader) == 1);
    return NULL;
}

static void test_no_earlier_classes_at_startup(void **state)
{
    (void)state;
    on_own_thread(no_earlier_classes_at_startup);
}

static const char *replay_failure(void)
{
    CHECK(start(false));
    fw.fail[FAKE_GET_LOADED_CLASSES] = JVMTI_ERROR_INVALID_CLASS;
    CHECK(ml_replay_run(fake_jvmti, fake_jni) != 0);
    CHECK(ml_failed());
    return NULL;
}

static void test_replay_failure(void **state)
{
    (void)state;
    on_own_thread(replay_failure);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_counts_once),
        cmocka_unit_test(test_class_prepare_during_replay),
        cmocka_unit_test(test_earlier_classes_on_attach),
        cmocka_unit_test(test_no_earlier_classes_at_startup),
        cmocka_unit_test(test_replay_failure),
    };

    return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
