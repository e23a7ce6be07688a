/* The exit budget (see exitbudget.h). */
#include "exitbudget.h"

#include <stdatomic.h>

#include "metaleak/clock.h"
#include "state.h"

#define RESERVE_MIN_MS 500       /* the exit report's room: at least this... */
#define RESERVE_UNKNOWN_MS 1000  /* ...this before any report was timed... */

static _Atomic int64_t spent_ms;             /* held in phases that ended */
static _Atomic int64_t hold_start_ms = -1;   /* start of the current hold, -1 none */
static _Atomic int64_t phase_end_ms = INT64_MAX; /* the worker's deadline of this phase */
static _Atomic int phase = -1;               /* the current phase, -1 before the exit */
static _Atomic int64_t last_report_ms = -1;

static int64_t budget_ms(void)
{
    return (int64_t)ml_opts()->exit_budget_ms;
}

int64_t ml_exit_report_reserve_ms(void)
{
    int64_t last = atomic_load(&last_report_ms);
    int64_t r = last < 0 ? RESERVE_UNKNOWN_MS : 2 * last + 200;

    if (r < RESERVE_MIN_MS)
        r = RESERVE_MIN_MS;
    if (r > budget_ms() / 2)
        r = budget_ms() / 2;
    return r;
}

int64_t ml_exit_hold_begin(enum ml_exit_phase p)
{
    int64_t now = ml_clock_ms();
    int64_t left = budget_ms() - atomic_load(&spent_ms);

    if (p == ML_EXIT_CHECKPOINT)
        left -= ml_exit_report_reserve_ms();
    if (left < 0)
        left = 0;
    atomic_store(&hold_start_ms, now);
    atomic_store(&phase_end_ms, now + left);
    atomic_store(&phase, (int)p);
    return left;
}

void ml_exit_hold_end(enum ml_exit_phase p)
{
    int64_t start = atomic_exchange(&hold_start_ms, -1);

    (void)p;
    if (start >= 0)
        atomic_fetch_add(&spent_ms, ml_clock_ms() - start);
}

bool ml_exit_started(void)
{
    return atomic_load(&phase) >= 0;
}

int64_t ml_exit_work_deadline_ms(void)
{
    int64_t end = atomic_load(&phase_end_ms);

    if (end == INT64_MAX)
        return end;
    return atomic_load(&phase) == (int)ML_EXIT_VM_DEATH ? end - ml_exit_report_reserve_ms()
                                                         : end;
}

void ml_exit_note_report_ms(int64_t ms)
{
    atomic_store(&last_report_ms, ms);
}
