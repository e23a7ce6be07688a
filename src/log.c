/* stderr diagnostics: each line is formatted first and written with one write(2), so lines
 * from several threads never interleave. */
#include "metaleak/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
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
