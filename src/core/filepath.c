/* Report path templates (%p, %t, %%) and the start-up check of the report directory. */
#include "metaleak/filepath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaleak/error.h"

int ml_filepath_expand(const char *tmpl, pid_t pid, time_t start_time, char *out, size_t outlen,
                   char *err, size_t errlen)
{
    size_t o = 0;

    for (const char *s = tmpl; *s; s++) {
        char piece[64];
        size_t plen;

        if (*s != '%') {
            piece[0] = *s;
            piece[1] = '\0';
        } else if (s[1] == 'p') {
            snprintf(piece, sizeof(piece), "%ld", (long)pid);
            s++;
        } else if (s[1] == 't') {
            struct tm tm;

            if (gmtime_r(&start_time, &tm) == NULL)
                memset(&tm, 0, sizeof(tm));
            strftime(piece, sizeof(piece), "%Y-%m-%d_%H-%M-%S", &tm);
            s++;
        } else if (s[1] == '%') {
            piece[0] = '%';
            piece[1] = '\0';
            s++;
        } else {
            snprintf(err, errlen,
                     "report: '%%%c' in '%s' is not a known placeholder (use %%p, %%t or %%%%)",
                     s[1] ? s[1] : ' ', tmpl);
            return ML_ERR_CONFIG;
        }
        plen = strlen(piece);
        if (o + plen >= outlen) {
            snprintf(err, errlen, "report: '%s' expands to more than %zu bytes", tmpl,
                     outlen - 1);
            return ML_ERR_CONFIG;
        }
        memcpy(out + o, piece, plen);
        o += plen;
    }
    if (o == 0) {
        snprintf(err, errlen, "report: empty path");
        return ML_ERR_CONFIG;
    }
    out[o] = '\0';
    return ML_OK;
}

int ml_filepath_dirname(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    size_t len;

    if (slash == NULL) {
        if (outlen < 2)
            return ML_ERR_FULL;
        strcpy(out, ".");
        return ML_OK;
    }
    len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= outlen)
        return ML_ERR_FULL;
    memcpy(out, path, len);
    out[len] = '\0';
    return ML_OK;
}

int ml_filepath_check_dir(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    struct stat st;

    if (path[0] == '\0') {
        snprintf(err, errlen, "report: empty path");
        return ML_ERR_CONFIG;
    }
    if (path[strlen(path) - 1] == '/') {
        snprintf(err, errlen, "report: '%s' names a directory, not a file", path);
        return ML_ERR_CONFIG;
    }
    if (ml_filepath_dirname(path, dir, sizeof(dir)) != ML_OK) {
        snprintf(err, errlen, "report: path too long (report=%s)", path);
        return ML_ERR_CONFIG;
    }
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "report: directory '%s' does not exist (report=%s)", dir, path);
        else
            snprintf(err, errlen, "report: directory '%s': %s (report=%s)", dir,
                     strerror(errno), path);
        return ML_ERR_CONFIG;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "report: '%s' is not a directory (report=%s)", dir, path);
        return ML_ERR_CONFIG;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "report: directory '%s' is not writable (report=%s)", dir, path);
        return ML_ERR_CONFIG;
    }
    return ML_OK;
}
