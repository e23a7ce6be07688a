/* The exit budget (exit_budget): one bound on the time the agent holds up the JVM's exit, for
 * everything it does then (forced collections, the wait for finalizers, the path search, the
 * exit report), whatever path_budget says. Kubernetes kills a pod 30 s after SIGTERM
 * (terminationGracePeriodSeconds): a TaskManager must be gone by then, with its report written.
 *
 * The exit is held at two points, each by an application thread waiting for the worker: the
 * shutdown checkpoint (the first shutdown-hook thread, before the application's hooks run) and
 * VM death. Time held at the checkpoint is spent from the budget; VM death gets the rest. The
 * checkpoint leaves room for the exit report (twice the last report's time, at least 0.5 s,
 * at most half the budget), and the worker's work at VM death ends that long before its
 * deadline, so that the report is written in time. The shutdown hooks' own time is not ours
 * and is not counted.
 *
 * Any thread; the state is atomics. */
#ifndef METALEAK_EXITBUDGET_H
#define METALEAK_EXITBUDGET_H

#include <stdbool.h>
#include <stdint.h>

enum ml_exit_phase {
    ML_EXIT_CHECKPOINT,          /* the first shutdown-hook thread waits for the verdicts */
    ML_EXIT_VM_DEATH,            /* the VMDeath callback waits for the exit report */
};

/* A thread starts holding the exit: returns how long (ms) it may wait for the worker, and sets
 * the worker's deadline for this phase. */
int64_t ml_exit_hold_begin(enum ml_exit_phase phase);
/* The thread stops waiting: the time since ml_exit_hold_begin is spent. */
void ml_exit_hold_end(enum ml_exit_phase phase);

/* True once the exit has begun (either phase). */
bool ml_exit_started(void);
/* Worker: when its exit work (collections, finalizers, path search) must end, in ml_clock_ms
 * time; at VM death this keeps room for the exit report. INT64_MAX before the exit. */
int64_t ml_exit_work_deadline_ms(void);
/* Worker: the time the exit report is given (ms), for the log. */
int64_t ml_exit_report_reserve_ms(void);
/* Report writer: how long the last report took (ms); the reserve follows it. */
void ml_exit_note_report_ms(int64_t ms);

#endif
