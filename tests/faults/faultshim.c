/* LD_PRELOAD shim for tests/faults: makes file operations on paths under one directory fail,
 * as a full disk or a failing device would, while a control file says so. It stands in for a
 * full file system where this machine may not mount a small tmpfs, and it reaches failure
 * points a real full disk rarely does (fsync, close, rename).
 *
 * Environment:
 *   ML_FAULT_DIR  absolute directory; files opened under it (by absolute path) are tracked
 *   ML_FAULT_CTL  control file, read at every tracked operation: "<op> <errno>", op one of
 *                 open (creating a file), write, short (one write of half the bytes, then
 *                 every later write on that file fails), fsync (also fdatasync), close (the
 *                 file is closed, and the error returned), rename (onto a path under the
 *                 directory). Absent or empty: no fault.
 *   ML_FAULT_LOG  optional; one line "<op> <errno> <path or fd>" appended per injected fault
 *
 * Only what metaleak's writer uses is intercepted (open, open64, openat, openat64, write,
 * fsync, fdatasync, close, rename). The shim calls the kernel directly for its own I/O. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FD 65536

enum { UNTRACKED, TRACKED, SHORTED };

static atomic_uchar fd_state[MAX_FD];
static const char *fault_dir, *ctl_path, *log_path;
static size_t fault_dir_len;

static int (*real_open)(const char *, int, ...), (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...), (*real_openat64)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int), (*real_fdatasync)(int), (*real_close)(int);
static int (*real_rename)(const char *, const char *);

#define RESOLVE(name) \
    (real_##name != NULL ? (void)0 : (void)(*(void **)&real_##name = dlsym(RTLD_NEXT, #name)))

__attribute__((constructor)) static void shim_init(void)
{
    RESOLVE(open);
    RESOLVE(open64);
    RESOLVE(openat);
    RESOLVE(openat64);
    RESOLVE(write);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(close);
    RESOLVE(rename);
    fault_dir = getenv("ML_FAULT_DIR");
    ctl_path = getenv("ML_FAULT_CTL");
    log_path = getenv("ML_FAULT_LOG");
    if (fault_dir != NULL) {
        fault_dir_len = strlen(fault_dir);
        while (fault_dir_len > 1 && fault_dir[fault_dir_len - 1] == '/')
            fault_dir_len--;
    }
}

static int under(const char *path)
{
    return fault_dir != NULL && path != NULL && path[0] == '/' &&
           strncmp(path, fault_dir, fault_dir_len) == 0 && path[fault_dir_len] == '/';
}

static int raw_open(const char *path, int flags, int mode)
{
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);
}

/* The errno the control file sets for op, or 0. */
static int injected(const char *op)
{
    char buf[256], *line;
    int fd, saved = errno, e = 0;
    ssize_t n;
    size_t oplen = strlen(op);

    if (ctl_path == NULL)
        return 0;
    fd = raw_open(ctl_path, O_RDONLY, 0);
    if (fd < 0) {
        errno = saved;
        return 0;
    }
    n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
    syscall(SYS_close, fd);
    errno = saved;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    for (line = buf; line != NULL && *line != '\0'; line = strchr(line, '\n')) {
        while (*line == '\n')
            line++;
        if (strncmp(line, op, oplen) == 0 && line[oplen] == ' ') {
            e = atoi(line + oplen + 1);
            break;
        }
    }
    return e;
}

static void note(const char *op, int e, const char *what, int fd)
{
    char line[4400];
    int len, lfd;

    if (log_path == NULL)
        return;
    if (what != NULL)
        len = snprintf(line, sizeof(line), "%s %d %s\n", op, e, what);
    else
        len = snprintf(line, sizeof(line), "%s %d fd:%d\n", op, e, fd);
    lfd = raw_open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (lfd < 0)
        return;
    if (len > 0)
        syscall(SYS_write, lfd, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
    syscall(SYS_close, lfd);
}

static int tracked(int fd)
{
    return fd >= 0 && fd < MAX_FD && atomic_load(&fd_state[fd]) != UNTRACKED;
}

/* Shared by the open family: fault on creation, tracking of the new descriptor. */
static int before_open(const char *path, int flags)
{
    int e;

    if ((flags & O_CREAT) == 0 || !under(path))
        return 0;
    e = injected("open");
    if (e != 0)
        note("open", e, path, -1);
    return e;
}

static int after_open(const char *path, int fd)
{
    if (fd >= 0 && fd < MAX_FD)
        atomic_store(&fd_state[fd], under(path) ? TRACKED : UNTRACKED);
    return fd;
}

#define OPEN_MODE(flags, mode)                                                                  \
    do {                                                                                        \
        if (((flags) & (O_CREAT | O_TMPFILE)) != 0) {                                           \
            va_list ap;                                                                         \
            va_start(ap, flags);                                                                \
            mode = va_arg(ap, int);                                                             \
            va_end(ap);                                                                         \
        }                                                                                       \
    } while (0)

#define DEFINE_OPEN(name)                                                                       \
    int name(const char *path, int flags, ...)                                                  \
    {                                                                                           \
        int mode = 0, e;                                                                        \
        OPEN_MODE(flags, mode);                                                                 \
        RESOLVE(name);                                                                          \
        if ((e = before_open(path, flags)) != 0) {                                              \
            errno = e;                                                                          \
            return -1;                                                                          \
        }                                                                                       \
        return after_open(path, real_##name(path, flags, mode));                                       \
    }

#define DEFINE_OPENAT(name)                                                                     \
    int name(int dirfd, const char *path, int flags, ...)                                       \
    {                                                                                           \
        int mode = 0, e;                                                                        \
        OPEN_MODE(flags, mode);                                                                 \
        RESOLVE(name);                                                                          \
        if ((e = before_open(path, flags)) != 0) {                                              \
            errno = e;                                                                          \
            return -1;                                                                          \
        }                                                                                       \
        return after_open(path, real_##name(dirfd, path, flags, mode));                                \
    }

DEFINE_OPEN(open)
DEFINE_OPEN(open64)
DEFINE_OPENAT(openat)
DEFINE_OPENAT(openat64)

ssize_t write(int fd, const void *buf, size_t len)
{
    int e;

    RESOLVE(write);
    if (!tracked(fd))
        return real_write(fd, buf, len);
    if ((e = injected("write")) != 0) {
        note("write", e, NULL, fd);
        errno = e;
        return -1;
    }
    if ((e = injected("short")) != 0) {
        if (atomic_load(&fd_state[fd]) == SHORTED) {
            note("short", e, NULL, fd);
            errno = e;
            return -1;
        }
        atomic_store(&fd_state[fd], SHORTED);
        if (len > 1)
            len /= 2;
    }
    return real_write(fd, buf, len);
}

static int sync_fault(int fd)
{
    int e;

    if (!tracked(fd) || (e = injected("fsync")) == 0)
        return 0;
    note("fsync", e, NULL, fd);
    errno = e;
    return -1;
}

int fsync(int fd)
{
    RESOLVE(fsync);
    return sync_fault(fd) != 0 ? -1 : real_fsync(fd);
}

int fdatasync(int fd)
{
    RESOLVE(fdatasync);
    return sync_fault(fd) != 0 ? -1 : real_fdatasync(fd);
}

int close(int fd)
{
    int e = 0, rc;

    RESOLVE(close);
    if (tracked(fd)) {
        atomic_store(&fd_state[fd], UNTRACKED);
        e = injected("close");
    }
    rc = real_close(fd);
    if (e != 0) {
        note("close", e, NULL, fd);
        errno = e;
        return -1;
    }
    return rc;
}

int rename(const char *from, const char *to)
{
    int e;

    RESOLVE(rename);
    if (under(to) && (e = injected("rename")) != 0) {
        note("rename", e, to, -1);
        errno = e;
        return -1;
    }
    return real_rename(from, to);
}
