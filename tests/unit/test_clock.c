/* CMocka tests of src/core/clock.c: times count from the process start read from /proc/self/stat
 * (also when initialised late, and with a command name holding spaces and parentheses), they
 * advance with real time, and the wall-clock start agrees with the epoch clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/clock.h"
#include "testutil.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Initialised 300 ms after the process started, the clock still counts from the start. */
static void late_init(void *arg, struct tu_result *res)
{
    const char *comm = arg;

    if (comm != NULL)
        prctl(PR_SET_NAME, comm, 0, 0, 0);
    sleep_ms(300);
    ml_clock_init();
    res->rc = (int)ml_clock_ms();
    res->aux = (int)(ml_clock_epoch_ms() / 1000 - (int64_t)ml_clock_start_time());
}

static void test_counts_from_process_start(void **state)
{
    static const char *const comms[] = {NULL, "a) b (c", "x)", ") ) )"};
    struct tu_result res;

    (void)state;
    for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
        TU_RUN_CHILD(false, late_init, (void *)comms[i], &res);
        if (res.rc < 300 || res.rc > 10000)
            fail_msg("comm '%s': %d ms since the child started, want 300..10000",
                     comms[i] ? comms[i] : "(default)", res.rc);
        if (res.aux < 0 || res.aux > 11)
            fail_msg("comm '%s': wall-clock start %d s ago", comms[i] ? comms[i] : "(default)",
                     res.aux);
    }
}

static void test_advances(void **state)
{
    int64_t a, b;

    (void)state;
    ml_clock_init();
    a = ml_clock_ms();
    assert_true(a >= 0);
    sleep_ms(50);
    b = ml_clock_ms();
    assert_true(b - a >= 48);
    assert_true(b - a < 5000);
    for (int i = 0; i < 1000; i++) {
        int64_t c = ml_clock_ms();

        assert_true(c >= b);
        b = c;
    }
}

static void test_wall_clock(void **state)
{
    time_t now = time(NULL);
    int64_t epoch_ms;
    time_t start;

    (void)state;
    ml_clock_init();
    epoch_ms = ml_clock_epoch_ms();
    start = ml_clock_start_time();
    assert_true(epoch_ms / 1000 >= (int64_t)now - 1 && epoch_ms / 1000 <= (int64_t)now + 2);
    /* this test process started moments ago */
    assert_true(start <= now + 1);
    assert_true(start >= now - 120);
    /* start + time since start = now */
    {
        int64_t derived = (int64_t)start * 1000 + ml_clock_ms();

        assert_true(derived >= epoch_ms - 2000 && derived <= epoch_ms + 2000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_from_process_start),
        cmocka_unit_test(test_advances),
        cmocka_unit_test(test_wall_clock),
    };

    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
