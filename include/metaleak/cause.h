/* Why a leaked loader is alive: the resolved reference path (steps with class, field, thread and
 * jar names), its classification into a known cause, the advice for that cause, and the
 * one-line summary and "shape" used to group loaders that leak the same way.
 *
 * The classifier looks at the JDK/parent side of the path, up to the first object owned by the
 * leaked loader, in this order: shutdown-hook (java.lang.ApplicationShutdownHooks), jdbc-driver
 * (java.sql.DriverManager), timer (java.util.Timer, TimerThread, TaskQueue), mbean (JMX classes),
 * thread-local (Thread.threadLocals / ThreadLocalMap), jni-global (a JNI global root), thread (a
 * live thread, its stack, its context class loader, Runnable or access control context), static-field
 * (a static field of a class of another loader), other. Steps owned by another leaked loader
 * (owned_by) are part of that outside: the chain runs through that leak. A thread that is not
 * the job's (neither its class nor its Runnable) and that holds the loader through what it
 * inherited (its context class loader, its inherited access control context) gets the advice for
 * lazily started library pools. docs/causes.md is the runbook.
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_CAUSE_H
#define METALEAK_CAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/pathgraph.h"
#include "metaleak/verdict.h"

/* The length of a leak's signature in hex digits (signature.h computes it). */
#define ML_SIGNATURE_LEN 16

struct ml_known_entry;         /* known.h: a leak of the known-leaks catalogue */

enum ml_cause {
    ML_CAUSE_NONE = 0,         /* no path known */
    ML_CAUSE_THREAD,
    ML_CAUSE_THREAD_LOCAL,
    ML_CAUSE_STATIC_FIELD,
    ML_CAUSE_JDBC_DRIVER,
    ML_CAUSE_SHUTDOWN_HOOK,
    ML_CAUSE_TIMER,
    ML_CAUSE_MBEAN,
    ML_CAUSE_JNI_GLOBAL,
    ML_CAUSE_OTHER,
};

/* What the last reference-path search said about a loader. */
enum ml_path_status {
    ML_PATH_NOT_SEARCHED = 0,
    ML_PATH_FOUND,             /* a chain from a GC root is in the path */
    ML_PATH_NOT_FOUND,         /* a complete search found no chain: unreachable */
    ML_PATH_BUDGET,            /* the search's time or memory budget ran out first */
    ML_PATH_FAILED,            /* the JVM refused the heap walk (reason in the log) */
    ML_PATH_OFF,               /* paths=off */
    ML_PATH_DEFERRED,          /* a heap walk would pause the JVM longer than max_pause: the
                                * search waits for a request, a Metaspace OOM or the exit */
};

/* "not-searched", "found", "not-found", "budget-exceeded", "failed", "off", "deferred". */
const char *ml_path_status_name(enum ml_path_status status);

/* One step of a path. Step 0 is the root or anchor: `ref` is its root kind. Every later step is
 * an object held by the previous one through `ref` (a field, an array element, ...). All
 * strings are owned by the step (malloc) and may be NULL. */
struct ml_step {
    enum ml_ref ref;
    enum ml_pg_object object;
    char *field;               /* field name (FIELD / STATIC_FIELD), NULL otherwise or unknown */
    int32_t index;             /* array index, -1 none */
    char *class_name;          /* the object's class; for ML_OBJ_CLASS the class it is */
    uint64_t loader_id;        /* defining loader of class_name, UINT64_MAX unknown */
    char *jar;                 /* where class_name came from, NULL unknown */
    char *thread;              /* thread name (thread objects, stack roots) */
    char *method;              /* "pkg.Class.method" of a stack-local / JNI-local root */
    char *key;                 /* map key, when the object is a map entry with a String key */
    bool owned;                /* owned by the leaked loader (the last step) */
    bool hook;                 /* a thread registered with Runtime.addShutdownHook */
    uint64_t owned_by;         /* another leaked loader that owns the object (the chain runs
                                * through that leak), 0 = none (the JDK's loader never leaks) */
    char *runnable;            /* a thread's Runnable (Thread.target up to JDK 18,
                                * Thread.holder.task from 19): its class, NULL none/unknown */
    uint64_t runnable_loader_id; /* the loader of that class, UINT64_MAX unknown */
    bool runnable_owned;       /* that class belongs to this or another leaked loader */
};

/* A loader's path and what it means. Owned by the loader record; ml_path_clear frees it. */
struct ml_path {
    struct ml_step *steps;
    size_t n_steps;
    enum ml_cause cause;
    char *advice;              /* owned */
    char *summary;             /* one line, owned */
    char *shape;               /* summary without indices, names of threads and ids */
    char signature[ML_SIGNATURE_LEN + 1];   /* the leak's signature (signature.h); "" none */
    const struct ml_known_entry *known;     /* the known library leak it is (known.h), NULL
                                             * none; static catalogue data, not owned */
};

/* "thread", "thread-local", ... ; NULL for ML_CAUSE_NONE. */
const char *ml_cause_name(enum ml_cause cause);

/* Frees the strings of a step. Accepts NULL. */
void ml_step_clear(struct ml_step *s);
/* Frees everything in p and zeroes it. Accepts NULL. */
void ml_path_clear(struct ml_path *p);

/* Classifies p->steps and fills cause, advice, summary and shape (replacing earlier ones).
 * Returns ML_OK or ML_ERR_NOMEM (then p keeps no strings but its steps). */
int ml_path_classify(struct ml_path *p);

/* What a found chain means for the verdict of its loader (verdict.h):
 *   ML_HOLD_STACK    it starts at a local variable (or JNI local reference) on a thread's stack,
 *                    in a frame that does not hold its objects for good (as
 *                    ApplicationShutdownHooks.runHooks running the hooks at exit and
 *                    TimerThread.mainLoop running a task do): the thread is using the loader
 *   ML_HOLD_UNKNOWN  it starts at a JNI global reference: native code may hold an object for the
 *                    length of a call or a callback, so the chain alone decides nothing (the
 *                    verdict rests on the time since the close); so does a chain through a
 *                    Cleaner's pending action (its thread runs it, and lets go, once the
 *                    registered object is unreachable)
 *   ML_HOLD_DURABLE  any other root: a static field, a live thread, a class of a live loader...
 *   ML_HOLD_NONE     no chain (p has no steps) */
enum ml_hold ml_path_hold(const struct ml_path *p);

#endif
