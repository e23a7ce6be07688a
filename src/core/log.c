/* stderr diagnostics: each line is formatted first and written with one write(2), so lines
 * from several threads never interleave. */
#include "metaleak/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int threshold = ML_LOG_INFO;
static _Atomic unsigned long long errors;

void ml_log_set_level(enum ml_log_level level)
{
    atomic_store(&threshold, (int)level);
}

static const char *level_name(enum ml_log_level level)
{
    switch (level) {
    case ML_LOG_ERROR:
        return "error";
    case ML_LOG_WARN:
        return "warn";
    case ML_LOG_DEBUG:
        return "debug";
    case ML_LOG_QUIET:
    case ML_LOG_INFO:
    default:
        return "info";
    }
}

static void emit(const char *level, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "metaleak: %s: ", level);
    int m;

    if (n < 0)
        return;
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        return;
    n += m;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing better to do: stderr is gone */
    }
}

void ml_log(enum ml_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level == ML_LOG_QUIET || (level != ML_LOG_ERROR && (int)level > atomic_load(&threshold)))
        return;
    if (level == ML_LOG_ERROR)
        atomic_fetch_add(&errors, 1);
    va_start(ap, fmt);
    emit(level_name(level), fmt, ap);
    va_end(ap);
}

void ml_log_error(const char *fmt, ...)
{
    va_list ap;

    atomic_fetch_add(&errors, 1);
    va_start(ap, fmt);
    emit("error", fmt, ap);
    va_end(ap);
}

unsigned long long ml_log_errors(void)
{
    return atomic_load(&errors);
}

void ml_log_alert(enum ml_log_level level, int64_t epoch_ms, const char *text)
{
    static const char *const upper[] = {"INFO", "ERROR", "WARN", "INFO", "DEBUG"};
    char line[4096];
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;
    int n;

    if (level == ML_LOG_QUIET || (level != ML_LOG_ERROR && (int)level > atomic_load(&threshold)))
        return;
    if (gmtime_r(&secs, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s metaleak: %s",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(epoch_ms % 1000), upper[level], text);
    if (n < 0)
        return;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing better to do: stderr is gone */
    }
}

/* A copy of s fit for a one-line message: control characters become '?', and a long value is
 * cut with "...". */
const char *ml_printable(const char *s, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *s != '\0' && o + 4 < outlen; s++)
        out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    if (*s != '\0' && outlen >= 4) {
        memcpy(out + (o > outlen - 4 ? outlen - 4 : o), "...", 3);
        o = (o > outlen - 4 ? outlen - 4 : o) + 3;
    }
    out[o] = '\0';
    return out;
}
