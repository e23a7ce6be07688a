/* stderr diagnostics: each line is formatted first and written with one write(2), so lines
 * from several threads never interleave. */
#include "metaleak/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Atomic int threshold = ML_LOG_INFO;

void ml_log_set_level(enum ml_log_level level)
{
    atomic_store(&threshold, (int)level);
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

    if ((int)level > atomic_load(&threshold) || level == ML_LOG_QUIET)
        return;
    va_start(ap, fmt);
    emit(level == ML_LOG_DEBUG ? "debug" : "info", fmt, ap);
    va_end(ap);
}

void ml_log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit("error", fmt, ap);
    va_end(ap);
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
