/* Time since JVM start: the origin comes from /proc/self/stat (field 22, start time in clock
 * ticks since boot), compared against CLOCK_BOOTTIME, so that an agent attached late reports
 * the same times as one loaded at start-up. */
#include "metaleak/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t start_boot_ns;   /* CLOCK_BOOTTIME at JVM start */
static time_t start_wall;       /* wall clock at JVM start */

static int64_t boot_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t ml_clock_epoch_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Reads the start time in ticks, or returns -1. */
static long long proc_start_ticks(void)
{
    char buf[2048];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n;
    const char *p;
    long long ticks;
    char *end = NULL;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may contain spaces: skip past its closing parenthesis. */
    p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    p++;
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p == NULL)
        return -1;
    errno = 0;
    ticks = strtoll(p, &end, 10);
    if (end == p || errno != 0)
        return -1;
    return ticks;
}

void ml_clock_init(void)
{
    long long ticks = proc_start_ticks();
    long hz = sysconf(_SC_CLK_TCK);
    int64_t now_boot = boot_ns();
    int64_t now_wall_ms = ml_clock_epoch_ms();

    if (ticks >= 0 && hz > 0) {
        start_boot_ns = (int64_t)(ticks * (1000000000LL / hz));
        if (start_boot_ns > now_boot)
            start_boot_ns = now_boot;
    } else {
        start_boot_ns = now_boot;
    }
    start_wall = (time_t)((now_wall_ms - (now_boot - start_boot_ns) / 1000000) / 1000);
}

int64_t ml_clock_ms(void)
{
    return (boot_ns() - start_boot_ns) / 1000000;
}

time_t ml_clock_start_time(void)
{
    return start_wall;
}
