/* Reference path classification, advice and summaries (see cause.h). */
#include "metaleak/cause.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"

#define TEXT_MAX 4096  /* summaries and advice are cut (with "...") beyond this */

const char *ml_cause_name(enum ml_cause cause)
{
    switch (cause) {
    case ML_CAUSE_THREAD:
        return "thread";
    case ML_CAUSE_THREAD_LOCAL:
        return "thread-local";
    case ML_CAUSE_STATIC_FIELD:
        return "static-field";
    case ML_CAUSE_JDBC_DRIVER:
        return "jdbc-driver";
    case ML_CAUSE_SHUTDOWN_HOOK:
        return "shutdown-hook";
    case ML_CAUSE_TIMER:
        return "timer";
    case ML_CAUSE_MBEAN:
        return "mbean";
    case ML_CAUSE_JNI_GLOBAL:
        return "jni-global";
    case ML_CAUSE_OTHER:
        return "other";
    case ML_CAUSE_NONE:
        break;
    }
    return NULL;
}

const char *ml_path_status_name(enum ml_path_status status)
{
    switch (status) {
    case ML_PATH_FOUND:
        return "found";
    case ML_PATH_NOT_FOUND:
        return "not-found";
    case ML_PATH_BUDGET:
        return "budget-exceeded";
    case ML_PATH_FAILED:
        return "failed";
    case ML_PATH_OFF:
        return "off";
    case ML_PATH_DEFERRED:
        return "deferred";
    case ML_PATH_NOT_SEARCHED:
        break;
    }
    return "not-searched";
}

void ml_step_clear(struct ml_step *s)
{
    if (s == NULL)
        return;
    free(s->field);
    free(s->class_name);
    free(s->jar);
    free(s->thread);
    free(s->method);
    free(s->key);
    free(s->runnable);
    s->field = s->class_name = s->jar = s->thread = s->method = s->key = s->runnable = NULL;
}

void ml_path_clear(struct ml_path *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_steps; i++)
        ml_step_clear(&p->steps[i]);
    free(p->steps);
    free(p->advice);
    free(p->summary);
    free(p->shape);
    memset(p, 0, sizeof(*p));
}

/* A bounded text buffer: appends are cut at TEXT_MAX. */
struct text {
    char buf[TEXT_MAX];
    size_t len;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->len >= sizeof(t->buf) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(t->buf) - t->len) {
        t->len = sizeof(t->buf) - 1;
        memcpy(t->buf + t->len - 3, "...", 3);
    } else {
        t->len += (size_t)n;
    }
}

static const char *or_unknown(const char *s)
{
    return s != NULL ? s : "?";
}

static bool starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

/* The object part of a step. For a stack root, `thread` names the stack's thread. */
static void describe(struct text *t, const struct ml_step *s, bool shape)
{
    bool stack = s->ref == ML_REF_ROOT_STACK_LOCAL || s->ref == ML_REF_ROOT_JNI_LOCAL;

    switch (s->object) {
    case ML_OBJ_CLASS:
        put(t, "class %s", or_unknown(s->class_name));
        break;
    case ML_OBJ_THREAD:
        if (shape || s->thread == NULL || stack)
            put(t, "thread (%s)", or_unknown(s->class_name));
        else
            put(t, "thread '%s' (%s)", s->thread, or_unknown(s->class_name));
        break;
    case ML_OBJ_LOADER:
        put(t, "loader %s", or_unknown(s->class_name));
        break;
    case ML_OBJ_INSTANCE:
        put(t, "%s", or_unknown(s->class_name));
        break;
    }
    if (s->hook)
        put(t, " (shutdown hook)");
    if (s->owned)
        put(t, " (leaked loader)");
    else if (s->owned_by != 0 && shape)
        put(t, " (another leaked loader)");
    else if (s->owned_by != 0)
        put(t, " (leaked loader %llu)", (unsigned long long)s->owned_by);
}

/* How step s is held by the step before it. */
static void via(struct text *t, const struct ml_step *s, bool shape)
{
    switch (s->ref) {
    case ML_REF_FIELD:
        put(t, ".%s", or_unknown(s->field));
        break;
    case ML_REF_STATIC_FIELD:
        put(t, ".%s (static)", or_unknown(s->field));
        break;
    case ML_REF_ARRAY_ELEMENT:
        if (shape || s->index < 0)
            put(t, "[]");
        else
            put(t, "[%d]", (int)s->index);
        break;
    default:
        put(t, "(%s)", ml_ref_name(s->ref));
        break;
    }
    if (s->key != NULL && !shape)
        put(t, " (key \"%s\")", s->key);
}

/* The root part of step 0. */
static void root(struct text *t, const struct ml_step *s, bool shape)
{
    switch (s->ref) {
    case ML_REF_ROOT_STACK_LOCAL:
    case ML_REF_ROOT_JNI_LOCAL:
        put(t, "%s of thread ", s->ref == ML_REF_ROOT_STACK_LOCAL ? "local variable" : "JNI local");
        if (!shape && s->thread != NULL)
            put(t, "'%s' ", s->thread);
        put(t, "in %s: ", or_unknown(s->method));
        break;
    case ML_REF_ROOT_JNI_GLOBAL:
        put(t, "JNI global reference: ");
        break;
    case ML_REF_ROOT_MONITOR:
        put(t, "monitor: ");
        break;
    case ML_REF_ROOT_SYSTEM_CLASS:
    case ML_REF_ANCHOR_CLASS:
    case ML_REF_ROOT_THREAD:
    case ML_REF_ANCHOR_THREAD:
        break;
    default:
        put(t, "GC root (%s): ", ml_ref_name(s->ref));
        break;
    }
}

static char *render(const struct ml_path *p, bool shape)
{
    struct text *t = calloc(1, sizeof(*t));
    char *out;

    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct ml_step *s = &p->steps[i];

        if (i == 0) {
            root(t, s, shape);
        } else {
            put(t, " ");
            via(t, s, shape);
            put(t, " -> ");
        }
        describe(t, s, shape);
    }
    out = strdup(t->buf);
    free(t);
    return out;
}

/* First step (not owned) with a class named `name`, or with a class starting with it when
 * prefix is true; -1 when none. */
static long find_class(const struct ml_path *p, const char *name, bool prefix)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct ml_step *s = &p->steps[i];

        if (s->owned)
            break;
        if (prefix ? starts_with(s->class_name, name) : eq(s->class_name, name))
            return (long)i;
    }
    return -1;
}

/* The step that is the Runnable of the thread at step i: `.target` (JDK 18 and older) or
 * `.holder` -> Thread$FieldHolder `.task` (JDK 19 and later); -1 when the chain does not go
 * through it. */
static long runnable_step(const struct ml_path *p, size_t i)
{
    const struct ml_step *a = i + 1 < p->n_steps ? &p->steps[i + 1] : NULL;
    const struct ml_step *b = i + 2 < p->n_steps ? &p->steps[i + 2] : NULL;

    if (a != NULL && a->ref == ML_REF_FIELD && eq(a->field, "target"))
        return (long)(i + 1);
    if (a != NULL && b != NULL && a->ref == ML_REF_FIELD && eq(a->field, "holder") &&
        b->ref == ML_REF_FIELD && eq(b->field, "task"))
        return (long)(i + 2);
    return -1;
}

/* A shutdown hook that is the job's (owned), whose Runnable is the job's, or whose next step is
 * the job's object: the hook itself pins the loader. A hook further up the chain (a JDK hook
 * that holds a JDK singleton) is not the cause. */
static bool has_hook(const struct ml_path *p)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct ml_step *s = &p->steps[i];
        long r = runnable_step(p, i);

        if (s->hook && (s->owned || s->runnable_owned ||
                        (i + 1 < p->n_steps && p->steps[i + 1].owned) ||
                        (r >= 0 && p->steps[r].owned)))
            return true;
    }
    return false;
}

/* A thread that is not the job's -- neither its class nor its Runnable belongs to a leaked
 * loader -- holding the loader through what it inherited from the thread that created it: its
 * context class loader, or (JDK 23 and older) the access control context of the code on that
 * thread's stack. Returns the index of the field step, -1 when the chain is not like that. */
static long inherited(const struct ml_path *p)
{
    for (size_t i = 0; i + 1 < p->n_steps; i++) {
        const struct ml_step *t = &p->steps[i], *f = &p->steps[i + 1];

        if (t->object != ML_OBJ_THREAD || t->owned || t->owned_by != 0 || t->runnable_owned)
            continue;
        if (f->ref == ML_REF_FIELD &&
            (eq(f->field, "contextClassLoader") || eq(f->field, "inheritedAccessControlContext")))
            return (long)(i + 1);
    }
    return -1;
}

/* The first step owned by another leaked loader, -1 when none. */
static long through_leak(const struct ml_path *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (!p->steps[i].owned && p->steps[i].owned_by != 0)
            return (long)i;
    return -1;
}

/* A stack root in a method of a class whose name starts with prefix. */
static bool root_method(const struct ml_path *p, const char *prefix)
{
    return p->n_steps > 0 && starts_with(p->steps[0].method, prefix);
}

static long find_field(const struct ml_path *p, const char *field)
{
    for (size_t i = 1; i < p->n_steps; i++)
        if ((p->steps[i].ref == ML_REF_FIELD || p->steps[i].ref == ML_REF_STATIC_FIELD) &&
            eq(p->steps[i].field, field))
            return (long)i;
    return -1;
}

/* Whether p runs through the action of a java.lang.ref.Cleaner registration: the Cleaner's
 * list holds the action strongly until its thread runs it, which it does once the registered
 * object is unreachable (JDK 21's Executors.newSingleThreadExecutor shuts its pool down that
 * way: the pool and its thread factory are on such a chain for a moment after the job let go). */
static bool pending_cleanup(const struct ml_path *p)
{
    static const char cleanable[] = "jdk.internal.ref.CleanerImpl$PhantomCleanableRef";

    for (size_t i = 1; i + 1 < p->n_steps; i++)
        if (eq(p->steps[i].class_name, cleanable) && p->steps[i + 1].ref == ML_REF_FIELD &&
            eq(p->steps[i + 1].field, "action"))
            return true;
    return false;
}

enum ml_hold ml_path_hold(const struct ml_path *p)
{
    enum ml_ref r;

    if (p->n_steps == 0)
        return ML_HOLD_NONE;
    r = p->steps[0].ref;
    if (r == ML_REF_ROOT_JNI_GLOBAL || pending_cleanup(p))
        return ML_HOLD_UNKNOWN;
    if ((r == ML_REF_ROOT_STACK_LOCAL || r == ML_REF_ROOT_JNI_LOCAL) &&
        !root_method(p, "java.lang.ApplicationShutdownHooks.") &&
        !root_method(p, "java.util.TimerThread."))
        return ML_HOLD_STACK;
    return ML_HOLD_DURABLE;
}

static const char *first_thread(const struct ml_path *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].thread != NULL)
            return p->steps[i].thread;
    return NULL;
}

static bool thread_rooted(const struct ml_path *p)
{
    enum ml_ref r = p->steps[0].ref;
    const struct ml_step *last = &p->steps[p->n_steps - 1];

    if (p->steps[0].hook && !p->steps[0].owned)
        return false; /* a hook the JVM is running at exit: it does not outlive the job */
    return r == ML_REF_ROOT_THREAD || r == ML_REF_ANCHOR_THREAD || r == ML_REF_ROOT_STACK_LOCAL ||
           r == ML_REF_ROOT_JNI_LOCAL || p->steps[0].object == ML_OBJ_THREAD ||
           last->object == ML_OBJ_THREAD;
}

static long find_static(const struct ml_path *p)
{
    for (size_t i = 1; i < p->n_steps; i++)
        if (p->steps[i].ref == ML_REF_STATIC_FIELD && !p->steps[i - 1].owned)
            return (long)i;
    return -1;
}

static enum ml_cause classify(const struct ml_path *p)
{
    if (p->n_steps == 0)
        return ML_CAUSE_NONE;
    if (find_class(p, "java.lang.ApplicationShutdownHooks", false) >= 0 || has_hook(p) ||
        root_method(p, "java.lang.ApplicationShutdownHooks."))
        return ML_CAUSE_SHUTDOWN_HOOK;
    if (find_class(p, "java.sql.DriverManager", false) >= 0)
        return ML_CAUSE_JDBC_DRIVER;
    if (find_class(p, "java.util.TimerThread", false) >= 0 ||
        find_class(p, "java.util.TaskQueue", false) >= 0 ||
        find_class(p, "java.util.Timer", false) >= 0 || root_method(p, "java.util.TimerThread."))
        return ML_CAUSE_TIMER;
    if (find_class(p, "com.sun.jmx.", true) >= 0 || find_class(p, "javax.management.", true) >= 0 ||
        find_class(p, "java.lang.management.ManagementFactory", false) >= 0 ||
        find_class(p, "sun.management.", true) >= 0)
        return ML_CAUSE_MBEAN;
    if (find_class(p, "java.lang.ThreadLocal$ThreadLocalMap", true) >= 0 ||
        find_field(p, "threadLocals") >= 0 || find_field(p, "inheritableThreadLocals") >= 0)
        return ML_CAUSE_THREAD_LOCAL;
    if (p->steps[0].ref == ML_REF_ROOT_JNI_GLOBAL)
        return ML_CAUSE_JNI_GLOBAL;
    if (thread_rooted(p))
        return ML_CAUSE_THREAD;
    if (find_static(p) >= 0)
        return ML_CAUSE_STATIC_FIELD;
    return ML_CAUSE_OTHER;
}

static const char *const RELEASE_HOOK =
    "RuntimeContext.registerUserCodeClassLoaderReleaseHookIfAbsent";

/* A thread the job did not start, holding the loader through what it inherited. */
static void advise_inherited(struct text *t, const struct ml_path *p)
{
    long f = inherited(p);
    const struct ml_step *th = &p->steps[f - 1];
    bool acc = eq(p->steps[f].field, "inheritedAccessControlContext");

    put(t, "Thread '%s' (%s", or_unknown(th->thread), or_unknown(th->class_name));
    if (th->runnable != NULL)
        put(t, " running %s", th->runnable);
    put(t, ") is not the job's: neither its class nor its Runnable is. It was created while job "
           "code ran and inherited %s. A pool of a library in the parent loader (Flink's lib/ "
           "or the JDK) that starts its thread lazily, the first time job code uses it, does "
           "this (FLINK-25023, Hadoop's StatisticsDataReferenceCleaner, Netty's "
           "GlobalEventExecutor), and so does an executor that job code created and never shut "
           "down. Start such pools outside the job (when the TaskManager starts, from code in "
           "lib/), or create their threads with the context class loader reset "
           "(Thread.setContextClassLoader) ",
        acc ? "the job's ProtectionDomains through its inherited access control context "
              "(Thread.inheritedAccessControlContext, JDK 23 and older)"
            : "the job's class loader as its context class loader");
    if (acc)
        put(t, "and inside AccessController.doPrivileged with an access control context "
               "without the job's classes on the stack; JDK 24 and later no longer give threads "
               "an inherited access control context.");
    else
        put(t, "(and, up to JDK 23, inside AccessController.doPrivileged, or the thread keeps "
               "the job's ProtectionDomains too).");
}

/* Appended to the advice of a chain that runs through another leaked loader's objects. */
static void advise_through(struct text *t, const struct ml_path *p)
{
    long i = through_leak(p);

    if (i < 0)
        return;
    put(t, " The chain runs through an object of leaked loader %llu (%s): fixing that leak "
           "releases this loader too.",
        (unsigned long long)p->steps[i].owned_by, or_unknown(p->steps[i].class_name));
}

static char *advise(const struct ml_path *p)
{
    struct text *t = calloc(1, sizeof(*t));
    const char *thread = or_unknown(first_thread(p));
    const struct ml_step *owned = &p->steps[p->n_steps - 1];
    char *out;

    if (t == NULL)
        return NULL;
    switch (p->cause) {
    case ML_CAUSE_THREAD:
        if (inherited(p) >= 0) {
            advise_inherited(t, p);
            break;
        }
        put(t, "Thread '%s' outlives the job and holds its class loader (through its class, its "
               "Runnable, its context class loader, its inherited access control context or a "
               "local variable on its stack). Stop and join every thread the job starts in "
               "close()/cancel() of the function that started it, shut down executors it "
               "creates, and do not leave a job class loader as a long-lived thread's context "
               "class loader.", thread);
        break;
    case ML_CAUSE_THREAD_LOCAL:
        put(t, "A ThreadLocal value of a job class (%s) stays on thread '%s', which outlives the "
               "job. Call ThreadLocal.remove() when done (in a finally block, and in close()); "
               "avoid static ThreadLocals of job classes on shared or pooled threads.",
            or_unknown(owned->class_name), thread);
        break;
    case ML_CAUSE_STATIC_FIELD: {
        long i = find_static(p);
        const struct ml_step *cls = &p->steps[i - 1];

        put(t, "The static field %s.%s (", or_unknown(cls->class_name),
            or_unknown(p->steps[i].field));
        if (cls->loader_id == 0)
            put(t, "a JDK class");
        else if (cls->loader_id == UINT64_MAX)
            put(t, "a class of an untracked loader");
        else
            put(t, "a class of loader %llu, from %s", (unsigned long long)cls->loader_id,
                cls->jar != NULL ? cls->jar : "an unknown location");
        put(t, ") holds an object of the job. Avoid static caches, registries and interners in "
               "classes of the parent loader (Flink's lib/ or the JDK): clear the entry in "
               "close() or in a release hook (%s), or shade and relocate the library into the "
               "job jar so that the cache dies with the job.", RELEASE_HOOK);
        break;
    }
    case ML_CAUSE_JDBC_DRIVER:
        put(t, "A JDBC driver from the job jar (%s) is registered with java.sql.DriverManager, "
               "which is loaded by the JDK and lives forever. Put the driver jar into Flink's "
               "lib/ and add its package to classloader.parent-first-patterns.additional (and "
               "remove it from the job jar), or call DriverManager.deregisterDriver(...) for it "
               "in a release hook (%s).",
            or_unknown(owned->class_name), RELEASE_HOOK);
        break;
    case ML_CAUSE_SHUTDOWN_HOOK:
        put(t, "A JVM shutdown hook of the job (%s) is registered with Runtime.addShutdownHook "
               "and holds the job's classes until the JVM exits. Remove it with "
               "Runtime.removeShutdownHook(...) in a release hook (%s), or do that cleanup in "
               "close() instead of a shutdown hook.",
            or_unknown(owned->class_name), RELEASE_HOOK);
        break;
    case ML_CAUSE_TIMER:
        put(t, "A java.util.Timer thread ('%s') holds a task of the job (%s). cancel() the Timer "
               "(and purge()) in close(); prefer a ScheduledExecutorService that close() shuts "
               "down.", thread, or_unknown(owned->class_name));
        break;
    case ML_CAUSE_MBEAN:
        put(t, "An MBean of the job (%s) is registered in the platform MBean server. Call "
               "MBeanServer.unregisterMBean(...) for it in close() or in a release hook (%s); "
               "use Flink's metric system instead of registering MBeans from job code.",
            or_unknown(owned->class_name), RELEASE_HOOK);
        break;
    case ML_CAUSE_JNI_GLOBAL:
        put(t, "Native code holds a JNI global reference to an object of the job (%s). The "
               "native library must DeleteGlobalRef it when the job ends (call its release "
               "function in close()); load native libraries from Flink's lib/ (parent-first), "
               "not from the job jar.", or_unknown(owned->class_name));
        break;
    case ML_CAUSE_OTHER:
        put(t, "Follow the path: the first object outside the job that refers to %s must let "
               "go of it when the job ends. Clear that reference in close() or in a release "
               "hook (%s); if it is a library in Flink's lib/, shade it into the job jar or add "
               "the job's package to classloader.parent-first-patterns.additional only with "
               "care.", or_unknown(owned->class_name), RELEASE_HOOK);
        break;
    case ML_CAUSE_NONE:
        break;
    }
    advise_through(t, p);
    out = strdup(t->buf);
    free(t);
    return out;
}

int ml_path_classify(struct ml_path *p)
{
    free(p->advice);
    free(p->summary);
    free(p->shape);
    p->advice = p->summary = p->shape = NULL;
    p->cause = classify(p);
    if (p->cause == ML_CAUSE_NONE)
        return ML_OK;
    p->advice = advise(p);
    p->summary = render(p, false);
    p->shape = render(p, true);
    if (p->advice == NULL || p->summary == NULL || p->shape == NULL) {
        free(p->advice);
        free(p->summary);
        free(p->shape);
        p->advice = p->summary = p->shape = NULL;
        return ML_ERR_NOMEM;
    }
    return ML_OK;
}
