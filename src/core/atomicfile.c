/* Atomic file replacement: temp file beside the target, fsync, rename. The temp file is created
 * with O_EXCL|O_NOFOLLOW so that a planted symlink cannot redirect the write.
 *
 * A process killed between creating the temp file and renaming it (SIGKILL, the OOM killer, a
 * crash) leaves the temp file behind; the report itself is never torn. Before a process's first
 * write to a path, the temp files of that same path left by processes that no longer exist are
 * removed (remove_stale). A writer holds flock(LOCK_EX) on its temp file from creation to close,
 * so that a temp file still being written is never taken for a stale one, even by a process
 * that cannot see the writer's pid (another pid namespace sharing the directory). */
#include "metaleak/atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaleak/error.h"

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* True when name is ".<base>.tmp.<pid>" for a pid other than ours; *pid gets it. */
static int stale_name(const char *name, const char *base, long *pid)
{
    size_t blen = strlen(base);
    const char *digits;
    char *end;
    long v;

    if (name[0] != '.' || strncmp(name + 1, base, blen) != 0 ||
        strncmp(name + 1 + blen, ".tmp.", 5) != 0)
        return 0;
    digits = name + 1 + blen + 5;
    if (*digits < '1' || *digits > '9' || strlen(digits) > 10)
        return 0;
    errno = 0;
    v = strtol(digits, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0 || v > INT32_MAX || v == (long)getpid())
        return 0;
    *pid = v;
    return 1;
}

/* Removes dir/name if it is a temp file left by a dead writer: its pid does not exist here
 * (kill(pid, 0) fails with ESRCH), it is a regular file (never a symlink: not followed) owned by
 * our effective uid, and no process holds its flock. Anything else is left alone. */
static void remove_if_stale(int dfd, const char *name, long pid)
{
    struct stat st, again;
    int fd;

    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return;
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        fstatat(dfd, name, &again, AT_SYMLINK_NOFOLLOW) == 0 && again.st_dev == st.st_dev &&
        again.st_ino == st.st_ino)
        unlinkat(dfd, name, 0);
    close(fd);
}

/* FNV-1a of the last path cleaned by this process (0 = none): one directory scan per path,
 * before the first write to it. A collision only skips a scan. */
static _Atomic uint64_t cleaned_hash;

static uint64_t path_hash(const char *path)
{
    uint64_t h = 14695981039346656037ull;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h == 0 ? 1 : h;
}

static void remove_stale(const char *path)
{
    char dir[4200];
    const char *slash = strrchr(path, '/');
    const char *base = slash == NULL ? path : slash + 1;
    uint64_t h = path_hash(path);
    DIR *d;
    struct dirent *e;

    if (atomic_exchange(&cleaned_hash, h) == h)
        return;
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid;

        if (stale_name(e->d_name, base, &pid))
            remove_if_stale(dirfd(d), e->d_name, pid);
    }
    closedir(d);
}

/* "cannot write '<path>': <reason>". A path too long for err is cut in the middle ("...") so
 * that the reason, which tells one failure from another, is never lost. */
static void format_error(char *err, size_t errlen, const char *path, const char *reason)
{
    size_t plen = strlen(path), fixed = strlen("cannot write '...': ") + strlen(reason) + 1;

    if (errlen == 0)
        return;
    if (plen + fixed - 3 <= errlen || errlen < fixed + 16) {
        snprintf(err, errlen, "cannot write '%s': %s", path, reason);
    } else {
        size_t room = errlen - fixed, head = room / 2, tail = room - head;

        snprintf(err, errlen, "cannot write '%.*s...%s': %s", (int)head, path,
                 path + plen - tail, reason);
    }
}

int ml_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    int fd = -1;
    int created = 0;
    int saved;

    if (slash == NULL)
        snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", path, (long)getpid());
    else
        snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%ld", (int)(slash - path), path, slash + 1,
                 (long)getpid());
    remove_stale(path);

    for (int attempt = 0; attempt < 2; attempt++) {
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd >= 0 || errno != EEXIST)
            break;
        /* Left by a process with our pid that was killed mid-write. */
        unlink(tmp);
    }
    if (fd < 0)
        goto fail;
    created = 1;
    /* Marks the file as being written (remove_stale); a file system without flock only loses
     * that mark, and its stale temp files are then never removed. */
    (void)flock(fd, LOCK_EX | LOCK_NB);
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    return ML_OK;

fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    /* Only a file this call created: after a failed open the name may be someone else's. */
    if (created)
        unlink(tmp);
    format_error(err, errlen, path, strerror(saved));
    return ML_ERR_IO;
}
