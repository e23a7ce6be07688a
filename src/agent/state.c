/* The agent's shared state and the worker's mailbox (see state.h for who may touch what). */
#include "state.h"

#include <stdatomic.h>
#include <string.h>

#include "metaleak/clock.h"

/* Set up once by the entry, read-only afterwards (state.h). */
static struct {
    JavaVM *vm;
    jvmtiEnv *jvmti;
    bool attached;
    struct ml_options opts;
    char report_file[ML_FILEPATH_MAX];
    char metrics_file[ML_FILEPATH_MAX];
    char host[256];
    struct ml_registry *reg;
    jrawMonitorID reg_lock;
    jrawMonitorID wake_lock;
} setup;

static _Atomic bool active;
static _Atomic bool failed;

/* The mailbox. `posted` is lock-free; everything else is guarded by the wake monitor, except
 * worker_jni and checkpoint_started, which are atomics read by callbacks. */
static struct {
    _Atomic unsigned posted;             /* requests from GC callbacks and ObjectFree */
    unsigned requests;
    bool worker_running;                 /* set before the worker thread is created */
    uint64_t signals[ML_SIG_COUNT];
    JNIEnv *_Atomic worker_jni;          /* the worker thread's JNIEnv, NULL before it runs */
    _Atomic bool checkpoint_started;
    int64_t quiet_until;                 /* new loaders alone do not wake the worker before */
} mail;

void ml_state_begin(JavaVM *vm, jvmtiEnv *jvmti, bool attached)
{
    memset(&setup, 0, sizeof(setup));
    memset(&mail, 0, sizeof(mail));
    atomic_store(&active, false);
    atomic_store(&failed, false);
    setup.vm = vm;
    setup.jvmti = jvmti;
    setup.attached = attached;
}

jvmtiError ml_state_setup(const struct ml_options *opts, const char *report_file,
                          struct ml_registry *reg)
{
    jvmtiEnv *jvmti = setup.jvmti;
    jvmtiError err;

    setup.opts = *opts;
    memcpy(setup.report_file, report_file, strnlen(report_file, sizeof(setup.report_file) - 1));
    setup.reg = reg;
    err = (*jvmti)->CreateRawMonitor(jvmti, "metaleak registry", &setup.reg_lock);
    if (err == JVMTI_ERROR_NONE)
        err = (*jvmti)->CreateRawMonitor(jvmti, "metaleak wake", &setup.wake_lock);
    return err;
}

void ml_state_setup_files(const char *metrics_file, const char *host)
{
    memcpy(setup.metrics_file, metrics_file,
           strnlen(metrics_file, sizeof(setup.metrics_file) - 1));
    memcpy(setup.host, host, strnlen(host, sizeof(setup.host) - 1));
}

void ml_state_abandon(void)
{
    atomic_store(&active, false);
    ml_registry_free(setup.reg);
    setup.reg = NULL;
    setup.jvmti = NULL;
}

void ml_state_release(void)
{
    atomic_store(&active, false);
    /* Native memory only, and only when no thread can still use it. */
    if (ml_mail_worker_gone()) {
        ml_registry_free(setup.reg);
        setup.reg = NULL;
    }
}

JavaVM *ml_vm(void)
{
    return setup.vm;
}

jvmtiEnv *ml_jvmti(void)
{
    return setup.jvmti;
}

const struct ml_options *ml_opts(void)
{
    return &setup.opts;
}

const char *ml_report_file(void)
{
    return setup.report_file;
}

const char *ml_metrics_file(void)
{
    return setup.metrics_file;
}

const char *ml_host(void)
{
    return setup.host;
}

bool ml_attached(void)
{
    return setup.attached;
}

struct ml_registry *ml_reg(void)
{
    return setup.reg;
}

bool ml_active(void)
{
    return atomic_load_explicit(&active, memory_order_relaxed);
}

void ml_set_active(bool on)
{
    atomic_store(&active, on);
}

bool ml_failed(void)
{
    return atomic_load(&failed);
}

bool ml_state_fail(void)
{
    if (atomic_exchange(&failed, true))
        return false;
    atomic_store(&active, false);
    return true;
}

/* Enters a monitor of ours. False when there is none yet or the JVM refuses. */
static bool enter(jrawMonitorID lock)
{
    jvmtiEnv *jvmti = setup.jvmti;

    return jvmti != NULL && lock != NULL &&
           (*jvmti)->RawMonitorEnter(jvmti, lock) == JVMTI_ERROR_NONE;
}

/* Exits a monitor entered with enter(). It cannot fail for the owner; a failure (the VM going
 * away) leaves nothing to undo. */
static void leave(jrawMonitorID lock)
{
    jvmtiEnv *jvmti = setup.jvmti;
    jvmtiError err = (*jvmti)->RawMonitorExit(jvmti, lock);

    (void)err;
}

bool ml_reg_lock(void)
{
    return enter(setup.reg_lock);
}

void ml_reg_unlock(void)
{
    leave(setup.reg_lock);
}

/* Wakes every thread that waits on the wake monitor (held by the caller). */
static void notify_all(void)
{
    jvmtiEnv *jvmti = setup.jvmti;
    jvmtiError err = (*jvmti)->RawMonitorNotifyAll(jvmti, setup.wake_lock);

    (void)err; /* only fails for a caller that does not own the monitor */
}

/* One wait on the wake monitor (held by the caller), at most ms. False when the wait failed
 * and the caller must stop waiting; an interrupt of the waiting Java thread is not a failure
 * (JVMTI_ERROR_INTERRUPT: the caller's deadline still holds). */
static bool wait_once(int64_t ms)
{
    jvmtiEnv *jvmti = setup.jvmti;
    jvmtiError err = (*jvmti)->RawMonitorWait(jvmti, setup.wake_lock, (jlong)ms);

    return err == JVMTI_ERROR_NONE || err == JVMTI_ERROR_INTERRUPT;
}

void ml_mail_wake(unsigned requests)
{
    if (!enter(setup.wake_lock))
        return;
    mail.requests |= requests;
    if (requests != ML_REQ_NEW_LOADER || ml_clock_ms() >= mail.quiet_until)
        notify_all();
    leave(setup.wake_lock);
}

void ml_mail_quiet_until(int64_t until_ms)
{
    if (!enter(setup.wake_lock))
        return;
    mail.quiet_until = until_ms;
    leave(setup.wake_lock);
}

void ml_mail_post(unsigned requests)
{
    atomic_fetch_or_explicit(&mail.posted, requests, memory_order_release);
}

unsigned ml_mail_take(int64_t tick_ms)
{
    int64_t tick_end = ml_clock_ms() + tick_ms;
    unsigned req;

    if (!enter(setup.wake_lock))
        return ML_REQ_SHUTDOWN;
    for (;;) {
        unsigned pending = mail.requests | atomic_load(&mail.posted);
        int64_t now = ml_clock_ms(), until = tick_end;

        if ((pending & ~ML_REQ_NEW_LOADER) != 0 || now >= tick_end)
            break;
        if (pending != 0) {
            /* New loaders only: gathered until the quiet time ends. */
            if (now >= mail.quiet_until)
                break;
            if (mail.quiet_until < until)
                until = mail.quiet_until;
        }
        if (!wait_once(until - now))
            break; /* a failed wait is a short tick */
    }
    req = mail.requests;
    mail.requests = 0;
    leave(setup.wake_lock);
    /* Posted without a lock by GC callbacks and ObjectFree: taken at the next tick at latest. */
    return req | atomic_exchange(&mail.posted, 0u);
}

void ml_mail_nap(int64_t ms)
{
    if (!enter(setup.wake_lock))
        return;
    (void)wait_once(ms); /* a failed nap is a short one */
    leave(setup.wake_lock);
}

void ml_mail_signal(enum ml_signal sig)
{
    if (!enter(setup.wake_lock))
        return;
    mail.signals[sig]++;
    notify_all();
    leave(setup.wake_lock);
}

uint64_t ml_mail_count(enum ml_signal sig)
{
    uint64_t n;

    if (!enter(setup.wake_lock))
        return 0;
    n = mail.signals[sig];
    leave(setup.wake_lock);
    return n;
}

bool ml_mail_await(enum ml_signal sig, uint64_t seen, int64_t ms)
{
    int64_t deadline = ml_clock_ms() + ms;
    bool came;

    if (!enter(setup.wake_lock))
        return false;
    while (mail.signals[sig] == seen && mail.worker_running &&
           mail.signals[ML_SIG_WORKER_DONE] == 0) {
        int64_t left = deadline - ml_clock_ms();

        if (left <= 0 || !wait_once(left))
            break;
    }
    came = mail.signals[sig] != seen;
    leave(setup.wake_lock);
    return came;
}

bool ml_mail_worker_starting(void)
{
    if (!enter(setup.wake_lock))
        return false;
    mail.worker_running = true;
    leave(setup.wake_lock);
    return true;
}

void ml_mail_worker_begin(JNIEnv *jni)
{
    atomic_store(&mail.worker_jni, jni);
}

bool ml_mail_is_worker(JNIEnv *jni)
{
    return jni == atomic_load(&mail.worker_jni);
}

bool ml_mail_worker_gone(void)
{
    bool gone = true;

    if (enter(setup.wake_lock)) {
        gone = !mail.worker_running || mail.signals[ML_SIG_WORKER_DONE] > 0;
        leave(setup.wake_lock);
    }
    return gone;
}

bool ml_mail_checkpoint_begin(void)
{
    return !atomic_exchange(&mail.checkpoint_started, true);
}

bool ml_mail_checkpoint_started(void)
{
    return atomic_load(&mail.checkpoint_started);
}
