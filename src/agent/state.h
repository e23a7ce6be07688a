/* The agent's shared state: what the entry sets up once, the agent's health, the registry and
 * its lock, and the worker's mailbox. Every other piece of state belongs to the one module that
 * uses it (static there, with functions for the few readers elsewhere).
 *
 * Who may touch what:
 *   setup     JavaVM, jvmtiEnv, options, report file, attached, the registry pointer and the
 *             monitors. Written by ml_state_begin / ml_state_setup on the thread that runs
 *             Agent_OnLoad or Agent_OnAttach, before any event is enabled; read-only afterwards,
 *             on any thread. ml_state_abandon (a failed start) and ml_state_release
 *             (Agent_OnUnload, once the worker is gone) are the only later writers.
 *   health    `active` (callbacks do work only while true) and `failed`: atomics, any thread.
 *   registry  the records' own rules are in registry.h. ml_reg_lock serializes new loaders
 *             (ClassPrepare, the worker's inspection) with the worker's work on records;
 *             ClassPrepare and ObjectFree resolve tags without it.
 *   mailbox   requests and signals under the wake monitor, taken by the worker; posted bits are
 *             atomics, for GC callbacks and ObjectFree, which must take no monitor.
 *
 * Monitors, in the only order they may nest: replay (replay.c) -> registry -> wake. Nothing
 * holds the wake monitor across a JNI call or any JVMTI call other than raw monitor functions.
 *
 * This module is the bottom of the agent: it includes no other agent header. Its JVMTI results
 * are all read and turned into return values (jvmtiError or false); the callers report them. */
#ifndef METALEAK_STATE_H
#define METALEAK_STATE_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/options.h"
#include "metaleak/registry.h"

/* ---- setup ---- */

/* Starts a fresh state for this JVM and environment (nothing else is set yet). */
void ml_state_begin(JavaVM *vm, jvmtiEnv *jvmti, bool attached);
/* Stores the options, the expanded report file and the registry (owned from now on) and creates
 * the registry and wake monitors. Returns the JVMTI error of a failed CreateRawMonitor. */
jvmtiError ml_state_setup(const struct ml_options *opts, const char *report_file,
                          struct ml_registry *reg);
/* Stores the expanded metrics file ("" when none) and the host name (%h), before the worker
 * starts. */
void ml_state_setup_files(const char *metrics_file, const char *host);
/* A start that failed: frees the registry and forgets the environment (the caller disposes of
 * it), so that no later call uses either. */
void ml_state_abandon(void);
/* Agent_OnUnload: frees the registry when no thread can still use it (the worker is gone). */
void ml_state_release(void);

JavaVM *ml_vm(void);
jvmtiEnv *ml_jvmti(void);                 /* NULL before ml_state_begin and after a failed start */
const struct ml_options *ml_opts(void);
const char *ml_report_file(void);         /* the expanded report file path */
const char *ml_metrics_file(void);        /* the expanded metrics file path, "" when none */
const char *ml_host(void);                /* this machine's host name (the pod's name) */
bool ml_attached(void);                   /* loaded by Agent_OnAttach */
struct ml_registry *ml_reg(void);         /* NULL before setup and after release */

/* ---- health ---- */

bool ml_active(void);
void ml_set_active(bool on);
bool ml_failed(void);
/* Marks the agent failed and inactive. True only for the first call (the one that reports). */
bool ml_state_fail(void);

/* ---- the registry lock ---- */

/* Takes the registry monitor. False when it cannot (the VM is going away): skip the work. */
bool ml_reg_lock(void);
void ml_reg_unlock(void);

/* ---- the worker's mailbox ---- */

/* Requests to the worker. */
#define ML_REQ_NEW_LOADER 0x01u  /* a loader was registered */
#define ML_REQ_FREED 0x02u       /* ObjectFree for a loader */
#define ML_REQ_GC 0x04u          /* a collection finished */
#define ML_REQ_REPORT 0x08u      /* write a report now (trigger request) */
#define ML_REQ_OOM 0x10u         /* Metaspace exhausted: write the report now */
#define ML_REQ_CHECKPOINT 0x20u  /* shutdown hooks are starting: prove leaks now */
#define ML_REQ_SHUTDOWN 0x40u    /* VM death or a failure: final verdict, exit report, end */
#define ML_REQ_JOB_LOADER 0x80u  /* a Flink user-code loader was registered: a pass at once, not
                                  * gathered (its task thread, which carries the SafetyNet
                                  * wrapper, may end within the gathering time) */

/* Signals from the worker to threads that wait for it; each counts how often it was given. */
enum ml_signal {
    ML_SIG_WORKER_DONE,          /* the worker thread has ended (or could not start) */
    ML_SIG_CHECKPOINT_DONE,      /* the shutdown checkpoint has proven what it could */
    ML_SIG_OOM_REPORT,           /* a report for a Metaspace OutOfMemoryError was written */
    ML_SIG_COUNT
};

/* Wakes the worker with request bits. Takes the wake monitor: never from GC callbacks or
 * ObjectFree. */
void ml_mail_wake(unsigned requests);
/* Posts request bits without any lock; the worker takes them at its next tick. For GC callbacks
 * and ObjectFree: they must not wait for a raw monitor, since the thread holding it may itself
 * be held by the JVM (an escape barrier of a heap walk suspends Java threads inside raw monitor
 * calls; a GC callback waiting for such a thread stalled the VM thread). */
void ml_mail_post(unsigned requests);
/* Worker: waits for requests (or tick_ms) and takes them all; new-loader requests alone are
 * gathered until the quiet time (ml_mail_quiet_until) ends. ML_REQ_SHUTDOWN when the wake
 * monitor cannot be taken. */
unsigned ml_mail_take(int64_t tick_ms);
/* Worker: until until_ms (ml_clock_ms time), a new loader alone neither wakes it nor ends its
 * wait: a burst of new loaders gets one pass, not one each. */
void ml_mail_quiet_until(int64_t until_ms);
/* Worker: sleeps up to ms; any wake-up ends the nap early. */
void ml_mail_nap(int64_t ms);
/* Worker: gives a signal and wakes everyone who waits. */
void ml_mail_signal(enum ml_signal sig);
/* How often sig was given so far. */
uint64_t ml_mail_count(enum ml_signal sig);
/* Waits until sig was given more than `seen` times, the worker is gone (or never ran), or ms
 * pass. The agent's one wait loop. True when the signal came. */
bool ml_mail_await(enum ml_signal sig, uint64_t seen, int64_t ms);

/* Worker lifecycle: marked starting before the thread is created, and the worker records its
 * JNIEnv when it runs (a callback on the worker's own thread must never wait for it). */
bool ml_mail_worker_starting(void);
void ml_mail_worker_begin(JNIEnv *jni);
bool ml_mail_is_worker(JNIEnv *jni);
/* True when no worker runs any more (or none was started). */
bool ml_mail_worker_gone(void);

/* The shutdown checkpoint: the first shutdown-hook thread starts it (true only for that one). */
bool ml_mail_checkpoint_begin(void);
bool ml_mail_checkpoint_started(void);

#endif
