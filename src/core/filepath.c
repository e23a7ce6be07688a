/* Report (and metrics) path templates (%p, %t, %h, %%) and the start-up check of their
 * directory. */
#include "metaleak/filepath.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaleak/error.h"

void ml_filepath_host(char *out, size_t outlen)
{
    char host[256];

    if (outlen == 0)
        return;
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    snprintf(out, outlen, "%s", host);
}

/* The host name as it goes into a file name: safe characters only. */
static void safe_host(const char *host, char *out, size_t outlen)
{
    size_t o = 0;

    if (host == NULL || host[0] == '\0')
        host = "unknown-host";
    for (; *host != '\0' && o + 1 < outlen; host++) {
        char c = *host;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';

        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
}

int ml_filepath_expand(const char *tmpl, pid_t pid, time_t start_time, char *out, size_t outlen,
                       char *err, size_t errlen)
{
    char host[256];

    ml_filepath_host(host, sizeof(host));
    return ml_filepath_expand_for("report", tmpl, pid, start_time, host, out, outlen, err,
                                  errlen);
}

int ml_filepath_expand_for(const char *key, const char *tmpl, pid_t pid, time_t start_time,
                           const char *host, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t o = 0;

    for (const char *s = tmpl; *s; s++) {
        char piece[256];
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
        } else if (s[1] == 'h') {
            safe_host(host, piece, sizeof(piece));
            s++;
        } else if (s[1] == '%') {
            piece[0] = '%';
            piece[1] = '\0';
            s++;
        } else {
            snprintf(err, errlen,
                     "%s: '%%%c' in '%s' is not a known placeholder (use %%p, %%t, %%h or %%%%)",
                     key, s[1] ? s[1] : ' ', tmpl);
            return ML_ERR_CONFIG;
        }
        plen = strlen(piece);
        if (o + plen >= outlen) {
            snprintf(err, errlen, "%s: '%s' expands to more than %zu bytes", key, tmpl,
                     outlen - 1);
            return ML_ERR_CONFIG;
        }
        memcpy(out + o, piece, plen);
        o += plen;
    }
    if (o == 0) {
        snprintf(err, errlen, "%s: empty path", key);
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
    return ml_filepath_check_dir_for("report", path, err, errlen);
}

int ml_filepath_check_dir_for(const char *key, const char *path, char *err, size_t errlen)
{
    char dir[4096];
    struct stat st;

    if (path[0] == '\0') {
        snprintf(err, errlen, "%s: empty path", key);
        return ML_ERR_CONFIG;
    }
    if (path[strlen(path) - 1] == '/') {
        snprintf(err, errlen, "%s: '%s' names a directory, not a file", key, path);
        return ML_ERR_CONFIG;
    }
    if (ml_filepath_dirname(path, dir, sizeof(dir)) != ML_OK) {
        snprintf(err, errlen, "%s: path too long (%s=%s)", key, key, path);
        return ML_ERR_CONFIG;
    }
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "%s: directory '%s' does not exist (%s=%s)", key, dir, key, path);
        else
            snprintf(err, errlen, "%s: directory '%s': %s (%s=%s)", key, dir,
                     strerror(errno), key, path);
        return ML_ERR_CONFIG;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: '%s' is not a directory (%s=%s)", key, dir, key, path);
        return ML_ERR_CONFIG;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: directory '%s' is not writable (%s=%s)", key, dir, key, path);
        return ML_ERR_CONFIG;
    }
    return ML_OK;
}
