/* Helpers shared by the unit tests: temporary directories and files, a child process that runs
 * as an unprivileged user (permission tests also work when the suite runs as root), and the
 * switch for tests that demonstrate known bugs in src/.
 *
 * Every helper that fails calls a CMocka assertion, so it may only be used from the thread that
 * runs the test (and not in a forked child, see tu_run_child). */
#ifndef METALEAK_TESTUTIL_H
#define METALEAK_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "metaleak/error.h"

/* Creates a fresh directory /tmp/ml-unit-XXXXXX (mode 0755, so that tu_run_child's unprivileged
 * user can traverse it). The caller frees the result and removes the tree with tu_rmtree. */
char *tu_mkdtemp(void);

/* Removes path and everything below it (restoring permissions first). Accepts NULL. */
void tu_rmtree(const char *path);

/* dir + "/" + name, malloc'd; the caller frees it. */
char *tu_join(const char *dir, const char *name);

/* Writes len bytes to path (created or truncated, mode 0644). */
void tu_write_file(const char *path, const char *data, size_t len);

/* The whole file, NUL-terminated, malloc'd (the caller frees it); NULL when it cannot be read.
 * *len receives its length when len is not NULL. */
char *tu_read_file(const char *path, size_t *len);

/* Number of entries in dir, "." and ".." excluded. */
size_t tu_count_entries(const char *dir);

/* The same without assertions, for a forked child: -1 when dir cannot be listed. */
long tu_count_entries_raw(const char *dir);

/* True when ML_UNIT_KNOWN_BUGS=1: the tests that show known bugs in src/ then run (and fail);
 * otherwise they are skipped. */
bool tu_known_bugs(void);

/* What a child process reports back. */
struct tu_result {
    int rc;
    int aux;                  /* free for the test, e.g. an errno or a count */
    char msg[ML_ERRBUF];
};

enum tu_child {
    TU_CHILD_OK = 0,          /* the child ran fn and exited normally */
    TU_CHILD_NOPRIV,          /* root, but the child could not switch to nobody: skip the test */
    TU_CHILD_FAILED,          /* no child, or it died: res->msg says why */
};

/* Runs fn(arg, res) in a forked child and copies its result back. When as_nobody is true and the
 * suite runs as root, the child first switches to uid/gid 65534, so that permission bits apply.
 * fn must not use CMocka assertions (they would unwind into the child's copy of the runner). */
enum tu_child tu_run_child(bool as_nobody, void (*fn)(void *arg, struct tu_result *res),
                           void *arg, struct tu_result *res);

/* tu_run_child for a test: skips on TU_CHILD_NOPRIV, fails on TU_CHILD_FAILED. */
#define TU_RUN_CHILD(as_nobody, fn, arg, res)                                   \
    do {                                                                        \
        enum tu_child tu_rc_ = tu_run_child((as_nobody), (fn), (arg), (res));   \
        if (tu_rc_ == TU_CHILD_NOPRIV)                                          \
            skip();                                                             \
        if (tu_rc_ != TU_CHILD_OK)                                              \
            fail_msg("child process: %s", (res)->msg);                          \
    } while (0)

/* Case-table helpers: print one failing row and count it; the test ends with
 * assert_int_equal(failures, 0) so that every failing row is listed, not only the first. */
#define TU_ROW_FAIL(counter, ...)            \
    do {                                     \
        print_error(__VA_ARGS__);            \
        print_error("\n");                   \
        (counter)++;                         \
    } while (0)

#endif
