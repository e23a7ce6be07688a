/* CMocka tests of src/core/log.c: the line format, the threshold, errors at every level, truncation
 * of long lines, and whole lines from concurrent threads. stderr is redirected to a temp file
 * while a test logs, and restored before anything is asserted. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/log.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char *file;
    int saved_stderr;          /* -1 when not capturing */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->dir = tu_mkdtemp();
    f->file = tu_join(f->dir, "stderr.txt");
    f->saved_stderr = -1;
    ml_log_set_level(ML_LOG_INFO);
    *state = f;
    return 0;
}

static void end_capture_quiet(struct fixture *f)
{
    if (f->saved_stderr >= 0) {
        dup2(f->saved_stderr, STDERR_FILENO);
        close(f->saved_stderr);
        f->saved_stderr = -1;
    }
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    end_capture_quiet(f);
    ml_log_set_level(ML_LOG_INFO);
    tu_rmtree(f->dir);
    free(f->file);
    free(f->dir);
    free(f);
    return 0;
}

static void begin_capture(struct fixture *f)
{
    int fd = open(f->file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    fflush(stderr);
    f->saved_stderr = dup(STDERR_FILENO);
    assert_true(f->saved_stderr >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

/* Restores stderr and returns what was written (the caller frees it). */
static char *end_capture(struct fixture *f)
{
    char *text;

    end_capture_quiet(f);
    text = tu_read_file(f->file, NULL);
    assert_non_null(text);
    return text;
}

static void test_info_level(void **state)
{
    struct fixture *f = *state;
    char *out;

    begin_capture(f);
    ml_log(ML_LOG_INFO, "report written to %s (%d loaders)", "/tmp/r.json", 3);
    ml_log(ML_LOG_DEBUG, "not shown %d", 1);
    ml_log_error("cannot write '%s': %s", "/x", "No space left on device");
    ml_log(ML_LOG_QUIET, "never shown");
    out = end_capture(f);
    assert_string_equal(out, "metaleak: info: report written to /tmp/r.json (3 loaders)\n"
                             "metaleak: error: cannot write '/x': No space left on device\n");
    free(out);
}

static void test_debug_level(void **state)
{
    struct fixture *f = *state;
    char *out;

    ml_log_set_level(ML_LOG_DEBUG);
    begin_capture(f);
    ml_log(ML_LOG_DEBUG, "loader %llu closed", 7ULL);
    ml_log(ML_LOG_INFO, "info");
    ml_log(ML_LOG_QUIET, "never shown");
    out = end_capture(f);
    assert_string_equal(out, "metaleak: debug: loader 7 closed\nmetaleak: info: info\n");
    free(out);
}

static void test_quiet_level(void **state)
{
    struct fixture *f = *state;
    char *out;

    ml_log_set_level(ML_LOG_QUIET);
    begin_capture(f);
    ml_log(ML_LOG_INFO, "hidden");
    ml_log(ML_LOG_DEBUG, "hidden");
    ml_log_error("shown %s", "always");
    out = end_capture(f);
    assert_string_equal(out, "metaleak: error: shown always\n");
    free(out);
}

static void test_long_line_truncated(void **state)
{
    struct fixture *f = *state;
    char *big = malloc(3001), *out;
    size_t len;

    assert_non_null(big);
    memset(big, 'a', 3000);
    big[3000] = '\0';
    begin_capture(f);
    ml_log(ML_LOG_INFO, "%s", big);
    ml_log_error("%s", big);
    out = end_capture(f);
    len = strlen(out);
    /* two lines of 1023 bytes each: prefix, text cut, newline */
    assert_int_equal(len, 2 * 1023);
    assert_int_equal(out[1022], '\n');
    assert_int_equal(out[2045], '\n');
    assert_true(strncmp(out, "metaleak: info: aaaa", 20) == 0);
    assert_true(strncmp(out + 1023, "metaleak: error: aaaa", 21) == 0);
    assert_null(memchr(out, '\n', 1022));
    free(out);
    free(big);
}

/* log=warn: warnings and errors; info and debug are not printed. log=error prints what
 * log=quiet prints. */
static void test_warn_and_error_levels(void **state)
{
    struct fixture *f = *state;
    char *out;

    ml_log_set_level(ML_LOG_WARN);
    begin_capture(f);
    ml_log(ML_LOG_INFO, "hidden");
    ml_log(ML_LOG_WARN, "the MBean is off: %s", "x");
    ml_log(ML_LOG_ERROR, "bad %d", 1);
    ml_log(ML_LOG_DEBUG, "hidden");
    out = end_capture(f);
    assert_string_equal(out, "metaleak: warn: the MBean is off: x\nmetaleak: error: bad 1\n");
    free(out);

    ml_log_set_level(ML_LOG_ERROR);
    begin_capture(f);
    ml_log(ML_LOG_WARN, "hidden");
    ml_log(ML_LOG_INFO, "hidden");
    ml_log_error("shown");
    out = end_capture(f);
    assert_string_equal(out, "metaleak: error: shown\n");
    free(out);
}

/* Alert lines: UTC time with milliseconds, the level in upper case, "metaleak:", the text;
 * filtered by the same threshold; an ERROR alert always shows. */
static void test_alert_lines(void **state)
{
    struct fixture *f = *state;
    char *out;

    ml_log_set_level(ML_LOG_INFO);
    begin_capture(f);
    /* 2026-12-03T08:01:02.123Z */
    ml_log_alert(ML_LOG_WARN, 1796284862123LL, "event=leak loader=3");
    ml_log_alert(ML_LOG_INFO, 1796284862005LL, "event=metaspace verdict=healthy");
    ml_log_alert(ML_LOG_DEBUG, 1796284862005LL, "hidden");
    out = end_capture(f);
    assert_string_equal(out, "2026-12-03T08:01:02.123Z WARN metaleak: event=leak loader=3\n"
                             "2026-12-03T08:01:02.005Z INFO metaleak: event=metaspace "
                             "verdict=healthy\n");
    free(out);

    ml_log_set_level(ML_LOG_QUIET);
    begin_capture(f);
    ml_log_alert(ML_LOG_WARN, 0, "hidden");
    ml_log_alert(ML_LOG_ERROR, 0, "event=oom");
    out = end_capture(f);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z ERROR metaleak: event=oom\n");
    free(out);
}

/* Every error line counts (the AgentErrors metric), at any threshold; other levels do not. */
static void test_error_count(void **state)
{
    struct fixture *f = *state;
    unsigned long long before = ml_log_errors();
    char *out;

    ml_log_set_level(ML_LOG_QUIET);
    begin_capture(f);
    ml_log_error("one");
    ml_log(ML_LOG_ERROR, "two");
    ml_log(ML_LOG_WARN, "not an error");
    ml_log_alert(ML_LOG_ERROR, 0, "event=oom");
    out = end_capture(f);
    free(out);
    assert_int_equal(ml_log_errors() - before, 2);
}

#define THREADS 4
#define LINES 500

static void *log_lines(void *p)
{
    int t = (int)(intptr_t)p;

    for (int i = 0; i < LINES; i++)
        ml_log(ML_LOG_INFO, "thread %d line %d %0200d", t, i, 0);
    return NULL;
}

/* Each line is one write(2): lines from several threads never interleave. */
static void test_threads_whole_lines(void **state)
{
    struct fixture *f = *state;
    pthread_t th[THREADS];
    int seen[THREADS] = {0};
    char *out, *line, *next;
    int lines = 0, bad = 0;

    begin_capture(f);
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, log_lines, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    out = end_capture(f);
    for (line = out; *line != '\0'; line = next) {
        int t = -1, i = -1, used = 0;

        next = strchr(line, '\n');
        assert_non_null(next);
        *next++ = '\0';
        lines++;
        if (sscanf(line, "metaleak: info: thread %d line %d %n", &t, &i, &used) != 2 ||
            t < 0 || t >= THREADS || i != seen[t] || strlen(line + used) != 200 ||
            strspn(line + used, "0") != 200) {
            bad++;
            continue;
        }
        seen[t]++;
    }
    free(out);
    assert_int_equal(bad, 0);
    assert_int_equal(lines, THREADS * LINES);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(seen[t], LINES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_info_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debug_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warn_and_error_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_whole_lines, setup, teardown),
    };

    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
