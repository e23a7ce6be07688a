/* Helpers shared by the unit tests (see testutil.h). */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

char *tu_mkdtemp(void)
{
    char *dir = strdup("/tmp/ml-unit-XXXXXX");

    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    return dir;
}

void tu_rmtree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (path == NULL || lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char *child;

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            child = tu_join(path, e->d_name);
            tu_rmtree(child);
            free(child);
        }
        closedir(d);
    }
    rmdir(path);
}

char *tu_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(len);

    assert_non_null(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

void tu_write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t done = 0;

    if (fd < 0)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n <= 0)
            fail_msg("cannot write %s: %s", path, strerror(errno));
        done += (size_t)n;
    }
    assert_int_equal(close(fd), 0);
}

char *tu_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, n = 0;
    char *buf;

    if (fd < 0)
        return NULL;
    buf = malloc(cap + 1);
    assert_non_null(buf);
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char *grown = realloc(buf, cap * 2 + 1);

            assert_non_null(grown);
            buf = grown;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

long tu_count_entries_raw(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

size_t tu_count_entries(const char *dir)
{
    long n = tu_count_entries_raw(dir);

    if (n < 0)
        fail_msg("cannot list %s: %s", dir, strerror(errno));
    return (size_t)n;
}

bool tu_known_bugs(void)
{
    const char *v = getenv("ML_UNIT_KNOWN_BUGS");

    return v != NULL && strcmp(v, "1") == 0;
}

/* Reads exactly len bytes, or returns false. */
static bool read_full(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = read(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

enum tu_child tu_run_child(bool as_nobody, void (*fn)(void *arg, struct tu_result *res),
                           void *arg, struct tu_result *res)
{
    int fds[2];
    pid_t pid;
    int status = 0;
    bool ok;

    memset(res, 0, sizeof(*res));
    if (pipe(fds) != 0) {
        snprintf(res->msg, sizeof(res->msg), "pipe: %s", strerror(errno));
        return TU_CHILD_FAILED;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        snprintf(res->msg, sizeof(res->msg), "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return TU_CHILD_FAILED;
    }
    if (pid == 0) {
        struct tu_result r;
        ssize_t w;

        memset(&r, 0, sizeof(r));
        close(fds[0]);
        if (as_nobody && geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
                                            setuid(65534) != 0))
            _exit(3);
        fn(arg, &r);
        w = write(fds[1], &r, sizeof(r));
        _exit(w == (ssize_t)sizeof(r) ? 0 : 4);
    }
    close(fds[1]);
    ok = read_full(fds[0], res, sizeof(*res));
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        snprintf(res->msg, sizeof(res->msg), "cannot switch to uid 65534");
        return TU_CHILD_NOPRIV;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !ok) {
        snprintf(res->msg, sizeof(res->msg), "child failed (wait status 0x%x)", (unsigned)status);
        return TU_CHILD_FAILED;
    }
    return TU_CHILD_OK;
}
