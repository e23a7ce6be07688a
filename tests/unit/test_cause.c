/* CMocka tests of src/core/cause.c: each cause classified from a recorded path (the steps the
 * agent names after a search), its advice, and the summary / shape texts used for grouping;
 * hooks with a JDK 19+ Runnable, threads that are not the job's, chains through another leaked
 * loader, and which chains mean "in use". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/cause.h"
#include "testutil.h"

/* A recorded step: ref, object kind, field, index, class, thread, owned. */
struct rec {
    enum ml_ref ref;
    enum ml_pg_object object;
    const char *field;
    int32_t index;
    const char *class_name;
    const char *thread;
    bool owned;
};

static char *dup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void load(struct ml_path *p, const struct rec *r, size_t n)
{
    memset(p, 0, sizeof(*p));
    p->steps = calloc(n, sizeof(*p->steps));
    assert_non_null(p->steps);
    for (size_t i = 0; i < n; i++) {
        struct ml_step *s = &p->steps[i];

        s->ref = r[i].ref;
        s->object = r[i].object;
        s->field = dup(r[i].field);
        s->index = r[i].index;
        s->class_name = dup(r[i].class_name);
        s->loader_id = r[i].owned ? 7 : 0;
        s->thread = dup(r[i].thread);
        s->owned = r[i].owned;
    }
    p->n_steps = n;
    assert_int_equal(ml_path_classify(p), 0);
}

#define LOAD(p, arr) load(p, arr, sizeof(arr) / sizeof(arr[0]))

static void expect(const struct ml_path *p, enum ml_cause cause, const char *advice_word)
{
    assert_int_equal(p->cause, cause);
    assert_non_null(p->advice);
    assert_non_null(strstr(p->advice, advice_word));
    assert_non_null(p->summary);
    assert_non_null(p->shape);
}

static void test_thread_local(void **state)
{
    static const struct rec r[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "pool-1", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "threadLocals", -1, "java.lang.ThreadLocal$ThreadLocalMap",
         NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "table", -1, "java.lang.ThreadLocal$ThreadLocalMap$Entry[]",
         NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 3, "java.lang.ThreadLocal$ThreadLocalMap$Entry",
         NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "value", -1, "job.Value", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, r);
    expect(&p, ML_CAUSE_THREAD_LOCAL, "remove()");
    assert_non_null(strstr(p.advice, "'pool-1'"));
    assert_string_equal(p.summary,
                        "thread 'pool-1' (java.lang.Thread) .threadLocals -> "
                        "java.lang.ThreadLocal$ThreadLocalMap .table -> "
                        "java.lang.ThreadLocal$ThreadLocalMap$Entry[] [3] -> "
                        "java.lang.ThreadLocal$ThreadLocalMap$Entry .value -> job.Value "
                        "(leaked loader)");
    /* The shape drops the thread name and the index: copies of the same job group together. */
    assert_null(strstr(p.shape, "pool-1"));
    assert_non_null(strstr(p.shape, "[] ->"));
    ml_path_clear(&p);
}

static void test_thread_stack_and_runnable(void **state)
{
    static const struct rec stack[] = {
        {ML_REF_ROOT_STACK_LOCAL, ML_OBJ_INSTANCE, NULL, -1, "job.Worker", "leaky", true},
    };
    static const struct rec runnable[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "leaky", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "target", -1, "job.Worker", NULL, true},
    };
    static const struct rec own_class[] = {
        {ML_REF_ROOT_THREAD, ML_OBJ_THREAD, NULL, -1, "job.WorkerThread", "leaky", true},
    };
    static const struct rec tccl[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "pool", false},
        {ML_REF_FIELD, ML_OBJ_LOADER, "contextClassLoader", -1, "java.net.URLClassLoader", NULL,
         true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, stack);
    expect(&p, ML_CAUSE_THREAD, "close()");
    assert_non_null(strstr(p.advice, "'leaky'"));
    ml_path_clear(&p);
    LOAD(&p, runnable);
    expect(&p, ML_CAUSE_THREAD, "join");
    ml_path_clear(&p);
    LOAD(&p, own_class);
    expect(&p, ML_CAUSE_THREAD, "Stop");
    ml_path_clear(&p);
    LOAD(&p, tccl);
    expect(&p, ML_CAUSE_THREAD, "context class loader");
    ml_path_clear(&p);
}

static void test_static_field(void **state)
{
    static const struct rec r[] = {
        {ML_REF_ANCHOR_CLASS, ML_OBJ_CLASS, NULL, -1, "com.lib.Registry", NULL, false},
        {ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "CACHE", -1, "java.util.ArrayList", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "elementData", -1, "java.lang.Object[]", NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 0, "job.Entry", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, r);
    p.steps[0].jar = strdup("file:/opt/flink/lib/lib.jar");
    p.steps[0].loader_id = 1;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_STATIC_FIELD, "static");
    assert_non_null(strstr(p.advice, "com.lib.Registry.CACHE"));
    assert_non_null(strstr(p.advice, "a class of loader 1, from file:/opt/flink/lib/lib.jar"));
    assert_non_null(strstr(p.summary, "class com.lib.Registry .CACHE (static) -> "));
    ml_path_clear(&p);
}

static void test_registries(void **state)
{
    static const struct rec jdbc[] = {
        {ML_REF_ANCHOR_CLASS, ML_OBJ_CLASS, NULL, -1, "java.sql.DriverManager", NULL, false},
        {ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "registeredDrivers", -1,
         "java.util.concurrent.CopyOnWriteArrayList", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "array", -1, "java.lang.Object[]", NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 0, "java.sql.DriverInfo", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "driver", -1, "org.h2.Driver", NULL, true},
    };
    static const struct rec hook[] = {
        {ML_REF_ANCHOR_CLASS, ML_OBJ_CLASS, NULL, -1, "java.lang.ApplicationShutdownHooks", NULL,
         false},
        {ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "hooks", -1, "java.util.IdentityHashMap", NULL,
         false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "table", -1, "java.lang.Object[]", NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 4, "job.Hook", NULL, true},
    };
    static const struct rec timer[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.util.TimerThread", "Timer-0", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "queue", -1, "java.util.TaskQueue", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "queue", -1, "java.util.TimerTask[]", NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 1, "job.Task", NULL, true},
    };
    static const struct rec mbean[] = {
        {ML_REF_ROOT_JNI_GLOBAL, ML_OBJ_INSTANCE, NULL, -1, "com.sun.jmx.mbeanserver.JmxMBeanServer",
         NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "mbsInterceptor", -1,
         "com.sun.jmx.interceptor.DefaultMBeanServerInterceptor", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "resource", -1, "job.Bean", NULL, true},
    };
    static const struct rec jni[] = {
        {ML_REF_ROOT_JNI_GLOBAL, ML_OBJ_INSTANCE, NULL, -1, "job.Held", NULL, true},
    };
    static const struct rec other[] = {
        {ML_REF_ROOT_MONITOR, ML_OBJ_INSTANCE, NULL, -1, "java.lang.Object", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "x", -1, "job.Held", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, jdbc);
    expect(&p, ML_CAUSE_JDBC_DRIVER, "parent-first-patterns");
    ml_path_clear(&p);
    LOAD(&p, hook);
    expect(&p, ML_CAUSE_SHUTDOWN_HOOK, "registerUserCodeClassLoaderReleaseHookIfAbsent");
    ml_path_clear(&p);
    LOAD(&p, timer);
    expect(&p, ML_CAUSE_TIMER, "cancel()");
    assert_non_null(strstr(p.advice, "'Timer-0'"));
    ml_path_clear(&p);
    LOAD(&p, mbean);
    expect(&p, ML_CAUSE_MBEAN, "unregisterMBean");
    ml_path_clear(&p);
    LOAD(&p, jni);
    expect(&p, ML_CAUSE_JNI_GLOBAL, "DeleteGlobalRef");
    assert_string_equal(p.summary, "JNI global reference: job.Held (leaked loader)");
    ml_path_clear(&p);
    LOAD(&p, other);
    expect(&p, ML_CAUSE_OTHER, "Follow the path");
    ml_path_clear(&p);
}

/* A shutdown hook is the cause only when it is the job's own or holds the job's object
 * directly; a JDK hook further up (Logging-Cleaner -> LogManager -> ...) is not, and it is not a
 * thread that outlives the job either. */
static void test_hooks(void **state)
{
    static const struct rec own[] = {
        {ML_REF_ROOT_STACK_LOCAL, ML_OBJ_THREAD, NULL, -1, "job.Hook", "DestroyJavaVM", true},
    };
    static const struct rec runnable[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "h", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "target", -1, "job.Cleanup", NULL, true},
    };
    static const struct rec jdk[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.util.logging.LogManager$Cleaner",
         "Logging-Cleaner", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "this$0", -1, "java.util.logging.LogManager", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "handlers", -1, "java.lang.Object[]", NULL, false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 0, "job.Handler", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, own);
    p.steps[0].hook = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_SHUTDOWN_HOOK, "removeShutdownHook");
    ml_path_clear(&p);
    LOAD(&p, runnable);
    p.steps[0].hook = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_SHUTDOWN_HOOK, "removeShutdownHook");
    assert_non_null(strstr(p.summary, "(shutdown hook)"));
    ml_path_clear(&p);
    LOAD(&p, jdk);
    p.steps[0].hook = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_OTHER, "Follow the path");
    ml_path_clear(&p);
}

static void test_empty_and_names(void **state)
{
    struct ml_path p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(ml_path_classify(&p), 0);
    assert_int_equal(p.cause, ML_CAUSE_NONE);
    assert_null(p.advice);
    assert_null(ml_cause_name(ML_CAUSE_NONE));
    assert_string_equal(ml_cause_name(ML_CAUSE_JDBC_DRIVER), "jdbc-driver");
    assert_string_equal(ml_path_status_name(ML_PATH_BUDGET), "budget-exceeded");
    assert_string_equal(ml_path_status_name(ML_PATH_NOT_SEARCHED), "not-searched");
    assert_string_equal(ml_path_status_name(ML_PATH_DEFERRED), "deferred");
    ml_path_clear(&p);
    ml_path_clear(NULL);
}

/* A very long path is cut with "..." instead of overflowing. */
static void test_long_summary_is_bounded(void **state)
{
    struct ml_path p;
    struct rec *r = calloc(400, sizeof(*r));
    char name[64];

    (void)state;
    assert_non_null(r);
    r[0] = (struct rec){ML_REF_ROOT_JNI_GLOBAL, ML_OBJ_INSTANCE, NULL, -1, "a.B", NULL, false};
    snprintf(name, sizeof(name), "com.example.VeryLongClassNameNumberXXXXXXXXXXXXXXXX");
    for (int i = 1; i < 400; i++)
        r[i] = (struct rec){ML_REF_FIELD, ML_OBJ_INSTANCE, "someField", -1, name, NULL, i == 399};
    load(&p, r, 400);
    assert_true(strlen(p.summary) < 4096);
    assert_string_equal(p.summary + strlen(p.summary) - 3, "...");
    ml_path_clear(&p);
    free(r);
}

/* JDK 19 and later keep a thread's Runnable in Thread.holder.task: a hook whose chain goes
 * through it is the hook's leak; so is a hook whose Runnable the agent found to be the job's
 * although the chain takes its context class loader. */
static void test_hook_runnable_in_holder(void **state)
{
    static const struct rec holder[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "vt-hook-0", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "holder", -1, "java.lang.Thread$FieldHolder", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "task", -1, "job.Cleanup", NULL, true},
    };
    static const struct rec tccl[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "vt-hook-1", false},
        {ML_REF_FIELD, ML_OBJ_LOADER, "contextClassLoader", -1, "java.net.URLClassLoader", NULL,
         true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, holder);
    assert_int_equal(p.cause, ML_CAUSE_THREAD);  /* a plain thread: the job started it */
    p.steps[0].hook = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_SHUTDOWN_HOOK, "removeShutdownHook");
    ml_path_clear(&p);
    LOAD(&p, tccl);
    p.steps[0].hook = true;
    p.steps[0].runnable = strdup("job.Cleanup");
    p.steps[0].runnable_owned = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_SHUTDOWN_HOOK, "removeShutdownHook");
    ml_path_clear(&p);
}

/* A thread that is not the job's (neither its class nor its Runnable) holding the loader
 * through its context class loader or inherited access control context: the advice is about
 * how it was created, never "stop the threads the job starts". A thread whose Runnable is the
 * job's keeps that advice. */
static void test_inherited_context(void **state)
{
    static const struct rec tccl[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "lazy-pool", false},
        {ML_REF_FIELD, ML_OBJ_LOADER, "contextClassLoader", -1, "java.net.URLClassLoader", NULL,
         true},
    };
    static const struct rec acc[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "lazy-pool", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "inheritedAccessControlContext", -1,
         "java.security.AccessControlContext", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "context", -1, "java.security.ProtectionDomain[]", NULL,
         false},
        {ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, NULL, 1, "java.security.ProtectionDomain", NULL,
         false},
        {ML_REF_FIELD, ML_OBJ_LOADER, "classloader", -1, "java.net.URLClassLoader", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, tccl);
    p.steps[0].runnable = strdup("java.util.concurrent.ThreadPoolExecutor$Worker");
    p.steps[0].runnable_loader_id = 0;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_THREAD, "not the job's");
    assert_non_null(strstr(p.advice, "'lazy-pool' (java.lang.Thread running "
                                     "java.util.concurrent.ThreadPoolExecutor$Worker)"));
    assert_non_null(strstr(p.advice, "as its context class loader"));
    assert_non_null(strstr(p.advice, "setContextClassLoader"));
    assert_non_null(strstr(p.advice, "FLINK-25023"));
    assert_null(strstr(p.advice, "every thread the job starts"));
    /* the same thread running the job's Runnable: the job started it */
    p.steps[0].runnable_owned = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_THREAD, "every thread the job starts");
    ml_path_clear(&p);

    LOAD(&p, acc);
    expect(&p, ML_CAUSE_THREAD, "not the job's");
    assert_non_null(strstr(p.advice, "inherited access control context"));
    assert_non_null(strstr(p.advice, "AccessController.doPrivileged"));
    assert_non_null(strstr(p.advice, "JDK 24"));
    assert_null(strstr(p.advice, "every thread the job starts"));
    /* a thread of the job's own class is the job's */
    p.steps[0].owned = true;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_THREAD, "every thread the job starts");
    ml_path_clear(&p);
}

/* A chain through another leaked loader's objects: those steps name it (owned_by), the cause
 * comes from the JVM-wide root, and the advice says that fixing the other leak releases this
 * loader too. The shape has no loader ids. */
static void test_through_another_leak(void **state)
{
    static const struct rec r[] = {
        {ML_REF_ANCHOR_CLASS, ML_OBJ_CLASS, NULL, -1, "java.lang.Thread", NULL, false},
        {ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "defaultUncaughtExceptionHandler", -1,
         "job.Handler", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "previous", -1, "job.Handler", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, r);
    p.steps[1].owned_by = 12;
    assert_int_equal(ml_path_classify(&p), 0);
    expect(&p, ML_CAUSE_STATIC_FIELD, "java.lang.Thread.defaultUncaughtExceptionHandler");
    assert_non_null(strstr(p.advice, "leaked loader 12 (job.Handler)"));
    assert_string_equal(p.summary, "class java.lang.Thread .defaultUncaughtExceptionHandler "
                                   "(static) -> job.Handler (leaked loader 12) .previous -> "
                                   "job.Handler (leaked loader)");
    assert_null(strstr(p.shape, "12"));
    assert_non_null(strstr(p.shape, "(another leaked loader)"));
    ml_path_clear(&p);
}

/* A chain from a local variable is in use, unless the frame is one that holds its objects for
 * good (running the shutdown hooks, a Timer's thread running a task); one from a JNI global
 * reference decides nothing (native code may hold it for a call); any other is durable. */
static void test_path_hold(void **state)
{
    static const struct rec local[] = {
        {ML_REF_ROOT_STACK_LOCAL, ML_OBJ_LOADER, NULL, -1, "java.net.URLClassLoader", "worker",
         true},
    };
    static const struct rec anchored[] = {
        {ML_REF_ANCHOR_THREAD, ML_OBJ_THREAD, NULL, -1, "java.lang.Thread", "worker", false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "target", -1, "job.Worker", NULL, true},
    };
    static const struct rec native[] = {
        {ML_REF_ROOT_JNI_GLOBAL, ML_OBJ_INSTANCE, NULL, -1, "job.Callback", NULL, true},
    };
    /* JDK 21's Executors.newSingleThreadExecutor: a Cleaner shuts the pool down once the
     * wrapper is unreachable; until its thread ran, the action holds the pool. */
    static const struct rec cleaner[] = {
        {ML_REF_STATIC_FIELD, ML_OBJ_CLASS, "commonCleaner", -1, "jdk.internal.ref.CleanerFactory",
         NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "impl", -1, "java.lang.ref.Cleaner", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "phantomCleanableList", -1,
         "jdk.internal.ref.CleanerImpl$PhantomCleanableRef", NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "action", -1,
         "java.util.concurrent.Executors$AutoShutdownDelegatedExecutorService$$Lambda", NULL,
         false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "arg$1", -1, "java.util.concurrent.ThreadPoolExecutor",
         NULL, false},
        {ML_REF_FIELD, ML_OBJ_INSTANCE, "threadFactory", -1, "job.Factory", NULL, true},
    };
    struct ml_path p;

    (void)state;
    LOAD(&p, local);
    p.steps[0].method = strdup("job.Task.run");
    assert_int_equal(ml_path_hold(&p), ML_HOLD_STACK);
    p.steps[0].ref = ML_REF_ROOT_JNI_LOCAL;
    assert_int_equal(ml_path_hold(&p), ML_HOLD_STACK);
    free(p.steps[0].method);
    p.steps[0].method = strdup("java.lang.ApplicationShutdownHooks.runHooks");
    assert_int_equal(ml_path_hold(&p), ML_HOLD_DURABLE);
    free(p.steps[0].method);
    p.steps[0].method = strdup("java.util.TimerThread.mainLoop");
    p.steps[0].ref = ML_REF_ROOT_STACK_LOCAL;
    assert_int_equal(ml_path_hold(&p), ML_HOLD_DURABLE);
    ml_path_clear(&p);
    LOAD(&p, anchored);
    assert_int_equal(ml_path_hold(&p), ML_HOLD_DURABLE);
    ml_path_clear(&p);
    LOAD(&p, native);
    assert_int_equal(ml_path_hold(&p), ML_HOLD_UNKNOWN);
    ml_path_clear(&p);
    LOAD(&p, cleaner);
    assert_int_equal(ml_path_hold(&p), ML_HOLD_UNKNOWN);
    free(p.steps[3].field); /* the same list, but not through an action: durable */
    p.steps[3].field = strdup("next");
    assert_int_equal(ml_path_hold(&p), ML_HOLD_DURABLE);
    ml_path_clear(&p);
    memset(&p, 0, sizeof(p));
    assert_int_equal(ml_path_hold(&p), ML_HOLD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_local),
        cmocka_unit_test(test_thread_stack_and_runnable),
        cmocka_unit_test(test_static_field),
        cmocka_unit_test(test_registries),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_empty_and_names),
        cmocka_unit_test(test_long_summary_is_bounded),
        cmocka_unit_test(test_hook_runnable_in_holder),
        cmocka_unit_test(test_inherited_context),
        cmocka_unit_test(test_through_another_leak),
        cmocka_unit_test(test_path_hold),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
