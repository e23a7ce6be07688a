/* CMocka tests of src/core/atomicfile.c: content and mode, replacement (new inode, old readers keep
 * the old content), the temp name (a planted symlink is not followed, a stale temp file is
 * replaced), and failures that leave the previous file and no temp file: unwritable or missing
 * directory, a rename onto a directory, a write cut short (RLIMIT_FSIZE) and a full file system
 * (a 16 KiB tmpfs in a private mount namespace, when this process may create one). */
#define _GNU_SOURCE   /* unshare, CLONE_NEWNS */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/atomicfile.h"
#include "metaleak/error.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char *path;                /* dir/report.json */
    char *tmp;                 /* dir/.report.json.tmp.<pid> */
    char err[ML_ERRBUF];
    mode_t saved_umask;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char name[64];

    if (f == NULL)
        return -1;
    f->saved_umask = umask(022);
    f->dir = tu_mkdtemp();
    f->path = tu_join(f->dir, "report.json");
    snprintf(name, sizeof(name), ".report.json.tmp.%ld", (long)getpid());
    f->tmp = tu_join(f->dir, name);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    umask(f->saved_umask);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f->tmp);
    free(f);
    return 0;
}

static void assert_file(const char *path, const char *data, size_t len)
{
    size_t got_len = 0;
    char *got = tu_read_file(path, &got_len);

    if (got == NULL)
        fail_msg("cannot read %s", path);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static void test_writes_content_and_mode(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "{\"schema\":\"metaleak-report/1\"}\n";
    struct stat st;

    assert_int_equal(ml_write_atomic(f->path, text, sizeof(text) - 1, f->err, sizeof(f->err)),
                     ML_OK);
    assert_file(f->path, text, sizeof(text) - 1);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(tu_count_entries(f->dir), 1);   /* no temp file left */
}

/* The process umask may only remove bits (docs/report.md). */
static void test_mode_under_umask(void **state)
{
    struct fixture *f = *state;
    struct stat st;

    umask(077);
    assert_int_equal(ml_write_atomic(f->path, "x", 1, f->err, sizeof(f->err)), ML_OK);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_empty_and_binary(void **state)
{
    struct fixture *f = *state;
    size_t len = 3 * 1024 * 1024 + 17;
    char *big = malloc(len);

    assert_non_null(big);
    assert_int_equal(ml_write_atomic(f->path, "", 0, f->err, sizeof(f->err)), ML_OK);
    assert_file(f->path, "", 0);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)(i * 131 + (i >> 11));
    big[5] = '\0';
    assert_int_equal(ml_write_atomic(f->path, big, len, f->err, sizeof(f->err)), ML_OK);
    assert_file(f->path, big, len);
    free(big);
}

/* Replacement is a rename: a reader holding the old file keeps reading the old content. */
static void test_replaces_existing(void **state)
{
    struct fixture *f = *state;
    struct stat before, after;
    char buf[16] = "";
    int fd;

    tu_write_file(f->path, "old content", 11);
    assert_int_equal(chmod(f->path, 0600), 0);
    assert_int_equal(stat(f->path, &before), 0);
    fd = open(f->path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);

    assert_int_equal(ml_write_atomic(f->path, "new", 3, f->err, sizeof(f->err)), ML_OK);
    assert_file(f->path, "new", 3);
    assert_int_equal(stat(f->path, &after), 0);
    assert_true(before.st_ino != after.st_ino);
    assert_int_equal(after.st_mode & 07777, 0640);
    assert_int_equal(read(fd, buf, sizeof(buf) - 1), 11);
    assert_string_equal(buf, "old content");
    close(fd);
    assert_int_equal(tu_count_entries(f->dir), 1);
}

/* A symlink planted at the temp name must not redirect the write. */
static void test_symlink_at_temp_name(void **state)
{
    struct fixture *f = *state;
    char *victim = tu_join(f->dir, "victim");
    char *dangling = tu_join(f->dir, "created-through-link");
    struct stat st;

    tu_write_file(victim, "precious", 8);
    assert_int_equal(symlink(victim, f->tmp), 0);
    assert_int_equal(ml_write_atomic(f->path, "report", 6, f->err, sizeof(f->err)), ML_OK);
    assert_file(victim, "precious", 8);
    assert_file(f->path, "report", 6);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(lstat(f->tmp, &st), -1);    /* the link is gone */

    /* a dangling link: its target must not be created */
    assert_int_equal(symlink(dangling, f->tmp), 0);
    assert_int_equal(ml_write_atomic(f->path, "report2", 7, f->err, sizeof(f->err)), ML_OK);
    assert_int_equal(lstat(dangling, &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_file(f->path, "report2", 7);
    assert_int_equal(tu_count_entries(f->dir), 2);  /* victim + report */
    free(dangling);
    free(victim);
}

/* A temp file left by a killed process with our pid is replaced. */
static void test_stale_temp_file(void **state)
{
    struct fixture *f = *state;

    tu_write_file(f->tmp, "half a rep", 10);
    assert_int_equal(ml_write_atomic(f->path, "whole", 5, f->err, sizeof(f->err)), ML_OK);
    assert_file(f->path, "whole", 5);
    assert_int_equal(tu_count_entries(f->dir), 1);
}

/* A directory squatting on the temp name cannot be removed: the write fails cleanly, and
 * the directory is left alone. (The reason given is that of the last unlink(2), "Is a
 * directory", although the report path is a file.) */
static void test_directory_at_temp_name(void **state)
{
    struct fixture *f = *state;
    char want[ML_ERRBUF];
    struct stat st;

    tu_write_file(f->path, "previous", 8);
    assert_int_equal(mkdir(f->tmp, 0755), 0);
    assert_int_equal(ml_write_atomic(f->path, "new", 3, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': ", f->path);
    assert_true(strncmp(f->err, want, strlen(want)) == 0);
    assert_file(f->path, "previous", 8);
    assert_int_equal(lstat(f->tmp, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

static void test_relative_path(void **state)
{
    struct fixture *f = *state;
    char cwd[4096];

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(f->dir), 0);
    f->err[0] = '\0';
    if (ml_write_atomic("report.json", "rel", 3, f->err, sizeof(f->err)) != ML_OK) {
        assert_int_equal(chdir(cwd), 0);
        fail_msg("relative write: %s", f->err);
    }
    assert_int_equal(chdir(cwd), 0);
    assert_file(f->path, "rel", 3);
    assert_int_equal(tu_count_entries(f->dir), 1);
}

static void test_missing_directory(void **state)
{
    struct fixture *f = *state;
    char *path = tu_join(f->dir, "nope/report.json");
    char want[ML_ERRBUF];

    assert_int_equal(ml_write_atomic(path, "x", 1, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': No such file or directory", path);
    assert_string_equal(f->err, want);
    free(path);
}

/* rename() onto a directory fails after the temp file was written: it must be removed. */
static void test_rename_fails(void **state)
{
    struct fixture *f = *state;
    char *inside = tu_join(f->path, "keep");
    char want[ML_ERRBUF];

    assert_int_equal(mkdir(f->path, 0755), 0);
    tu_write_file(inside, "k", 1);
    assert_int_equal(ml_write_atomic(f->path, "data", 4, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': Is a directory", f->path);
    assert_string_equal(f->err, want);
    assert_int_equal(tu_count_entries(f->dir), 1);   /* only the directory */
    assert_file(inside, "k", 1);
    free(inside);
}

struct child_arg {
    const char *dir;
    const char *path;
    size_t len;
};

static void write_in_child(void *p, struct tu_result *res)
{
    const struct child_arg *a = p;
    char *data = malloc(a->len);

    if (data == NULL) {
        res->rc = 99;
        return;
    }
    memset(data, 'd', a->len);
    res->rc = ml_write_atomic(a->path, data, a->len, res->msg, sizeof(res->msg));
    free(data);
}

/* As root, permission bits do not apply: the write runs in a child as nobody. */
static void test_unwritable_directory(void **state)
{
    struct fixture *f = *state;
    char ro[128], path[192], want[ML_ERRBUF];
    struct child_arg a = {ro, path, 10};
    struct tu_result res;

    snprintf(ro, sizeof(ro), "%s/ro", f->dir);
    snprintf(path, sizeof(path), "%s/report.json", ro);
    assert_int_equal(mkdir(ro, 0755), 0);
    tu_write_file(path, "previous", 8);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(chmod(ro, 0555), 0);
    TU_RUN_CHILD(true, write_in_child, &a, &res);
    assert_int_equal(res.rc, ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': Permission denied", path);
    assert_string_equal(res.msg, want);
    assert_int_equal(tu_count_entries(ro), 1);   /* no temp file */
    assert_file(path, "previous", 8);
}

/* A write cut short: RLIMIT_FSIZE makes write(2) fail with EFBIG (SIGXFSZ ignored). */
static void write_with_fsize_limit(void *p, struct tu_result *res)
{
    struct rlimit rl;

    signal(SIGXFSZ, SIG_IGN);
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
        goto fail;
    rl.rlim_cur = 4096;
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        goto fail;
    write_in_child(p, res);
    res->aux = (int)tu_count_entries_raw(((const struct child_arg *)p)->dir);
    return;
fail:
    res->rc = 98;
    snprintf(res->msg, sizeof(res->msg), "rlimit: %s", strerror(errno));
}

static void test_write_cut_short(void **state)
{
    struct fixture *f = *state;
    struct child_arg a = {f->dir, f->path, 64 * 1024};
    struct tu_result res;
    char want[ML_ERRBUF];

    tu_write_file(f->path, "previous", 8);
    TU_RUN_CHILD(false, write_with_fsize_limit, &a, &res);
    assert_int_equal(res.rc, ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': File too large", f->path);
    assert_string_equal(res.msg, want);
    assert_int_equal(res.aux, 1);
    assert_file(f->path, "previous", 8);
    assert_int_equal(tu_count_entries(f->dir), 1);
}

/* A full file system: a 16 KiB tmpfs mounted in a private mount namespace of a child, which
 * disappears with it. Skipped where namespaces or mounts are not allowed. */
static void write_on_full_fs(void *p, struct tu_result *res)
{
    const struct child_arg *a = p;

    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", a->dir, "tmpfs", 0, "size=16k,mode=0755") != 0) {
        res->rc = 97;
        snprintf(res->msg, sizeof(res->msg), "no tmpfs: %s", strerror(errno));
        return;
    }
    {
        int fd = open(a->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, "previous", 8) != 8 || close(fd) != 0) {
            res->rc = 96;
            return;
        }
    }
    write_in_child(p, res);
    res->aux = (int)tu_count_entries_raw(a->dir);
    {
        char buf[16] = "";
        int fd = open(a->path, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != 8 || strcmp(buf, "previous") != 0)
            res->aux = -1;
        if (fd >= 0)
            close(fd);
    }
}

static void test_file_system_full(void **state)
{
    struct fixture *f = *state;
    char mnt[128], path[192], want[ML_ERRBUF];
    struct child_arg a = {mnt, path, 256 * 1024};
    struct tu_result res;

    snprintf(mnt, sizeof(mnt), "%s/mnt", f->dir);
    snprintf(path, sizeof(path), "%s/report.json", mnt);
    assert_int_equal(mkdir(mnt, 0755), 0);
    TU_RUN_CHILD(false, write_on_full_fs, &a, &res);
    if (res.rc == 97) {
        print_message("skipped: %s\n", res.msg);
        skip();
    }
    assert_int_equal(res.rc, ML_ERR_IO);
    snprintf(want, sizeof(want), "cannot write '%s': No space left on device", path);
    assert_string_equal(res.msg, want);
    assert_int_equal(res.aux, 1);   /* the previous report, intact, and no temp file */
    assert_int_equal(tu_count_entries(mnt), 0);  /* the mount was the child's only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_content_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_under_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaces_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_at_temp_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temp_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_at_temp_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_system_full, setup, teardown),
    };

    return cmocka_run_group_tests_name("atomicfile", tests, NULL, NULL);
}
