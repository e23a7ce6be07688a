/* Private to the agent: the one agent instance shared by the JVMTI glue (agent.c), the event
 * callbacks (events.c), the worker thread (worker.c), loader inspection (inspect.c), the
 * management beans (mgmt.c) and report writing (reporting.c).
 *
 * Locks, in the only order they may nest:
 *   replay_lock  ClassPrepare while existing classes are being replayed (class dedupe)
 *   reg_lock     the registry: new loaders (ClassPrepare), the worker's passes
 *   wake_lock    worker wake-ups; never held across a JNI call or any JVMTI call other than raw
 *                monitor functions
 * GC callbacks and ObjectFree take no lock at all: they touch only atomics (ml_post). */
#ifndef METALEAK_AGENT_H
#define METALEAK_AGENT_H

#include <jni.h>
#include <jvmti.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/flinkconf.h"
#include "metaleak/msverdict.h"
#include "metaleak/options.h"
#include "metaleak/registry.h"

#define ML_VERSION "0.2.1"

#define ML_MAX_HOOKS 64  /* shutdown hooks remembered for path causes */

/* Worker requests (struct agent.requests), guarded by wake_lock. */
#define ML_REQ_NEW_LOADER 0x01u  /* a loader was registered */
#define ML_REQ_FREED 0x02u       /* ObjectFree for a loader */
#define ML_REQ_GC 0x04u          /* a collection finished */
#define ML_REQ_REPORT 0x08u      /* write a report now (trigger request) */
#define ML_REQ_OOM 0x10u         /* Metaspace exhausted: write the report now */
#define ML_REQ_CHECKPOINT 0x20u  /* shutdown hooks are starting: prove leaks now */
#define ML_REQ_SHUTDOWN 0x40u    /* VM death: final verdict and exit report */

/* JNI ids the worker resolves once (classes held as global references; these are JDK classes,
 * never class loaders of the application). */
struct ml_jids {
    jclass url_loader_cls;       /* java.net.URLClassLoader */
    jfieldID ucl_ucp;            /* URLClassLoader.ucp */
    jfieldID ucp_closed;         /* URLClassPath.closed */
    jfieldID ucp_path;           /* URLClassPath.path (ArrayList<URL>) */
    jfieldID list_data;          /* ArrayList.elementData */
    jfieldID list_size;          /* ArrayList.size */
    jmethodID url_to_string;     /* URL.toExternalForm() */
    jfieldID cl_parent;          /* ClassLoader.parent */
    jfieldID cl_name;            /* ClassLoader.name */
    jfieldID thread_tccl;        /* Thread.contextClassLoader */
    jclass hooks_cls;            /* java.lang.ApplicationShutdownHooks, NULL if unusable */
    jfieldID hooks_field;        /* ApplicationShutdownHooks.hooks */
    jmethodID run_hooks;         /* ApplicationShutdownHooks.runHooks(), NULL if absent */
};

/* Management beans: which collections are full ones, and Metaspace usage. */
#define ML_MGMT_MAX_BEANS 8
struct ml_mgmt {
    bool ready;
    jobject full_beans[ML_MGMT_MAX_BEANS];  /* global refs to full-collection GC beans */
    size_t n_full;
    bool concurrent;                        /* the full collector is concurrent */
    char *collector_names[ML_MGMT_MAX_BEANS];
    size_t n_collectors;
    char *full_names[ML_MGMT_MAX_BEANS];
    jmethodID gc_count;                     /* GarbageCollectorMXBean.getCollectionCount */
    jobject metaspace_pool;                 /* global ref, NULL if not found */
    jobject class_space_pool;               /* "Compressed Class Space", NULL if absent */
    bool perm_gen;                          /* a "Perm Gen" pool: Java 7 or older */
    jmethodID pool_usage;                   /* MemoryPoolMXBean.getUsage */
    jmethodID usage_used, usage_committed, usage_max;
    jobject memory_bean;                    /* MemoryMXBean, global ref, NULL if absent */
    jmethodID pending_finalization;         /* getObjectPendingFinalizationCount */
    char *java_version;
    char *vm_name;
    /* DiagnosticCommand MBean (per-loader Metaspace), resolved on first use. */
    bool dcmd_tried;
    jobject mbean_server;                   /* global refs */
    jobject dcmd_name;
    jobject dcmd_signature;                 /* String[] {"[Ljava.lang.String;"} */
    jobject dcmd_args_stats;                /* Object[] {String[0]} */
    jobject dcmd_args_tree;                 /* Object[] {String[] {"verbose", "fold=false"}} */
    jmethodID mbs_invoke;
    char metaspace_source[160];             /* for the report */
    int64_t hidden_unjoined_bytes;          /* non-strong hidden-class CLDs, -1 unmeasured */
    int64_t reserved_bytes;                 /* Metaspace reserved, -1 unmeasured */
};

struct agent {
    JavaVM *vm;
    jvmtiEnv *jvmti;
    struct ml_options opts;
    char report_path[ML_PATH_MAX];       /* expanded */
    bool attached;                       /* loaded by Agent_OnAttach */
    bool initialized;

    _Atomic bool active;                 /* callbacks do work only while true */
    _Atomic bool failed;                 /* disabled after an internal failure */
    _Atomic bool replaying;              /* existing classes are being replayed */
    _Atomic bool checkpoint_started;

    jrawMonitorID replay_lock;
    jrawMonitorID reg_lock;
    jrawMonitorID wake_lock;

    _Atomic unsigned posted;             /* requests from GC callbacks and ObjectFree (ml_post) */

    /* Guarded by wake_lock. */
    unsigned requests;
    bool worker_running;
    bool worker_done;
    bool checkpoint_done;
    uint64_t oom_reports;                /* reports written for ML_REQ_OOM */

    struct ml_registry *reg;
    _Atomic uint64_t gc_starts;          /* GarbageCollectionStart events */
    _Atomic uint64_t gc_pauses;          /* GarbageCollectionFinish events */
    _Atomic uint64_t frees;              /* ObjectFree events for loaders */
    _Atomic uint64_t ooms;               /* Metaspace / class space OutOfMemoryErrors */
    _Atomic int64_t oom_first_ms;        /* time of the first, set before ooms is raised */
    _Atomic int64_t oom_last_ms;
    _Atomic bool oom_class_space;        /* the first was for the compressed class space */

    JNIEnv *_Atomic worker_jni;          /* the worker thread's JNIEnv, NULL before it runs */

    /* Worker thread only. */
    struct ml_jids ids;
    struct ml_mgmt mgmt;
    struct ml_ms_series samples;         /* Metaspace time series */
    uint64_t sample_full_gcs;            /* full-collection count at the last sample */
    int64_t sample_ms;                   /* time of the last sample, -1 none */
    bool is_flink;                       /* the JVM runs a Flink entry point */
    int64_t checkpoint_end_ms;           /* end of the shutdown checkpoint, -1 before */
    uint64_t closes_seen;                /* loaders seen closed so far */
    uint32_t live_url_loaders;           /* live loaders whose closed flag is polled */
    uint32_t poll_round;                 /* passes so far (rotates the polled share) */
    bool poll_all;                       /* from the shutdown checkpoint on: poll every loader */
    _Atomic int64_t last_pass_ms;        /* end of the last pass (read under wake_lock) */
    struct ml_flink_conf flink_conf;     /* its class-loading settings */
    uint64_t path_searches;              /* reference-path searches run */
    uint64_t path_walks;                 /* heap walks they made */
    int64_t last_search_ms;              /* duration of the last search, -1 none */
    int64_t last_search_end_ms;          /* when it ended (ms since JVM start), -1 none */
};

extern struct agent ml_agent;

/* agent.c: logs "<what>: <reason>; metaleak disabled" once, stops all event work and wakes the
 * worker so that it ends. Never crashes or exits the JVM. Safe from any non-GC callback. */
void ml_agent_fail(const char *what, jvmtiError err);

/* events.c: enables the event callbacks; the worker enables the GC and thread events once it
 * is ready. Returns ML_OK or ML_ERR_JVM. */
int ml_events_install(jvmtiEnv *jvmti);
int ml_events_enable_late(jvmtiEnv *jvmti);
/* Counts one prepared class (from ClassPrepare or from the replay of existing classes). */
void ml_events_count_class(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass, bool replay);
/* Registers an object as a loader record (or finds its record). Takes reg_lock. NULL when the
 * registry is full or on failure (then the agent is disabled). */
struct ml_loader *ml_events_register_loader(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader);

/* Wakes the worker with request bits. Takes wake_lock: never from GC callbacks or ObjectFree. */
void ml_wake(unsigned requests);
/* Posts request bits without any lock; the worker takes them at its next tick (TICK_MS). For
 * GC callbacks and ObjectFree: they must not wait for a raw monitor, since the thread holding
 * it may itself be held by the JVM (an escape barrier of a heap walk suspends Java threads
 * inside raw monitor calls; a GC callback waiting for such a thread stalled the VM thread). */
void ml_post(unsigned requests);

/* worker.c: starts the worker thread (VMInit or Agent_OnAttach). */
int ml_worker_start(jvmtiEnv *jvmti, JNIEnv *jni);

/* inspect.c: worker-side JNI reading of loaders. */
int ml_inspect_init(JNIEnv *jni, struct ml_jids *ids);
/* Fills the description of l (class, role, hash, name, parent, URLs, job id) from its weak
 * reference; registers an unknown parent. Returns ML_OK, or ML_ERR_JVM. A loader that is
 * already gone is left undescribed (ML_OK). */
int ml_inspect_loader(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_loader *l);
/* Describes the class of a loader object: class name, Flink role, identity hash. */
int ml_inspect_class(jvmtiEnv *jvmti, JNIEnv *jni, jobject loader, struct ml_loader *l);
/* True when the live loader behind l has been released (close() / wrapper's inner == null).
 * *ok is false on failure. */
bool ml_inspect_closed(JNIEnv *jni, const struct ml_jids *ids, struct ml_loader *l, bool *ok);
/* Re-reads the URLs of the URLClassLoader obj into l (they survive close()), and the job id. */
int ml_inspect_urls(JNIEnv *jni, const struct ml_jids *ids, jobject obj, struct ml_loader *l);
/* The record of the loader that defined cls: the bootstrap record for JDK classes, NULL when
 * the loader is not tracked or on failure. Keeps no reference. Any thread; no lock. */
struct ml_loader *ml_inspect_defining_loader(jvmtiEnv *jvmti, JNIEnv *jni, jclass cls);
/* Links Flink SafetyNet wrappers found as threads' context class loaders to their inner
 * loaders. Returns ML_OK or ML_ERR_JVM. */
int ml_inspect_wrappers(jvmtiEnv *jvmti, JNIEnv *jni);

/* mgmt.c: management beans, resolved on the worker thread. */
int ml_mgmt_init(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_mgmt *m);
/* Full collections so far (sum over the full-collection beans). */
uint64_t ml_mgmt_full_gcs(JNIEnv *jni, const struct ml_mgmt *m);
/* Metaspace used/committed/max in bytes, -1 when unknown (max: -1 when unlimited). */
void ml_mgmt_metaspace(JNIEnv *jni, const struct ml_mgmt *m, int64_t *used, int64_t *committed,
                       int64_t *max);
/* Objects pending finalization (MemoryMXBean), -1 when unknown. */
long ml_mgmt_pending_finalization(JNIEnv *jni, const struct ml_mgmt *m);
/* Compressed Class Space used/committed/max, -1 when the JVM has none. */
void ml_mgmt_class_space(JNIEnv *jni, const struct ml_mgmt *m, int64_t *used,
                         int64_t *committed, int64_t *max);
void ml_mgmt_release(JNIEnv *jni, struct ml_mgmt *m);

/* metaspace.c: fills metaspace_bytes of every loader from HotSpot's per-loader accounting
 * (DiagnosticCommand MBean), joined exactly by loader address; sets mgmt.metaspace_source.
 * Worker thread only; takes reg_lock. Never fails the agent: on any problem the bytes stay
 * unmeasured and the source says why. */
void ml_metaspace_measure(JNIEnv *jni);

/* metaspace.c: readies ml_metaspace_measure for a moment when no class can be loaded (a
 * Metaspace OOM): creates the MBean server and runs one cheap DiagnosticCommand through the same
 * invoke path, without the per-loader measurement and its second safepoint. Worker thread only. */
void ml_metaspace_prepare(JNIEnv *jni);

/* paths.c: true when some loader needs a reference-path search (a leaked loader without one,
 * or a closed loader old enough for path_proof_after). Takes reg_lock. */
bool ml_paths_pending(int64_t now_ms);
/* Runs one search for every such loader (heap walks in a throw-away JVMTI environment) and
 * stores paths, causes and statuses in their records; *proven counts closed loaders that the
 * search proved leaked, *found the loaders that got a path. Worker thread only; never fails
 * the agent (ML_OK, or ML_ERR_NOMEM / ML_ERR_JVM with the reason logged). */
int ml_paths_search(JNIEnv *jni, const char *why, unsigned *proven, unsigned *found);

/* classscan.c: feeds every loaded class to the inventory (shadowed classes, lambdas, proxies)
 * when classes or loaders changed since the last scan, and marks suspect loaders. Worker
 * thread only. Returns ML_OK, ML_ERR_NOMEM or ML_ERR_JVM (the report is written anyway). */
int ml_classscan_run(JNIEnv *jni);

/* reporting.c: renders and writes a report now. Worker thread only. */
int ml_reporting_write(JNIEnv *jni, const char *trigger);
/* Adds a Metaspace sample (after_full_gc: right after a class-unloading collection). */
void ml_reporting_sample(JNIEnv *jni, bool after_full_gc);
/* Reads Flink's configuration when this JVM runs a Flink entry point. */
void ml_reporting_flink_init(jvmtiEnv *jvmti);

/* "JVMTI_ERROR_..." name of err, from the JVM when possible. Writes into buf. */
const char *ml_jvmti_error_name(jvmtiEnv *jvmti, jvmtiError err, char *buf, size_t len);

#endif
