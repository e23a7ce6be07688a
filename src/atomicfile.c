/* Atomic file replacement: temp file beside the target, fsync, rename. The temp file is created
 * with O_EXCL|O_NOFOLLOW so that a planted symlink cannot redirect the write. */
#include "metaleak/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

int ml_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    int fd = -1;
    int saved;

    if (slash == NULL)
        snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", path, (long)getpid());
    else
        snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%ld", (int)(slash - path), path, slash + 1,
                 (long)getpid());

    for (int attempt = 0; attempt < 2; attempt++) {
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd >= 0 || errno != EEXIST)
            break;
        /* Left by a process with our pid that was killed mid-write. */
        unlink(tmp);
    }
    if (fd < 0)
        goto fail;
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
    unlink(tmp);
    snprintf(err, errlen, "cannot write '%s': %s", path, strerror(saved));
    return ML_ERR_IO;
}
