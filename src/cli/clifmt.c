/* Report values formatted for people (see clifmt.h). */
#include "metaleak/clifmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* n digits at s into *out; false when one is not a digit. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int64_t ml_parse_iso8601(const char *s)
{
    int y, mo, d, h, mi, sec, ms = 0;
    struct tm tm;
    time_t t;
    const char *p;

    if (s == NULL || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return -1;
    p = s + 19;
    if (*p == '.') {
        int n = 0;

        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        }
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            ms *= 10;
    }
    if (strcmp(p, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60 || y < 1970)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return (int64_t)t * 1000 + ms;
}

const char *ml_format_iso8601(int64_t epoch_ms, char *buf, size_t len)
{
    time_t t;
    struct tm tm;

    if (epoch_ms < 0) {
        snprintf(buf, len, "?");
        return buf;
    }
    t = (time_t)(epoch_ms / 1000);
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "?");
        return buf;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
    return buf;
}

int64_t ml_report_start_epoch(const struct ml_rfile *rf)
{
    int64_t gen;

    if (rf->start_epoch_ms >= 0)
        return rf->start_epoch_ms;
    gen = ml_parse_iso8601(rf->generated_at);
    if (gen < 0 || rf->uptime_ms < 0 || rf->uptime_ms > gen)
        return -1;
    return gen - rf->uptime_ms;
}

const char *ml_format_jvm_time(const struct ml_rfile *rf, int64_t t_ms, char *buf, size_t len)
{
    int64_t start = ml_report_start_epoch(rf);
    char iso[40];

    if (t_ms < 0) {
        snprintf(buf, len, "?");
        return buf;
    }
    if (start < 0)
        snprintf(buf, len, "%" PRId64 ".%" PRId64 " s", t_ms / 1000, (t_ms % 1000) / 100);
    else
        snprintf(buf, len, "%" PRId64 ".%" PRId64 " s (%s)", t_ms / 1000, (t_ms % 1000) / 100,
                 ml_format_iso8601(start + t_ms, iso, sizeof(iso)));
    return buf;
}

const char *ml_format_duration(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms < 0 ? 0 : ms / 1000;

    if (s < 120)
        snprintf(buf, len, "%" PRId64 " s", s);
    else if (s < 7200)
        snprintf(buf, len, "%" PRId64 " min", s / 60);
    else if (s < 172800)
        snprintf(buf, len, "%" PRId64 " h %" PRId64 " min", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%" PRId64 " d %" PRId64 " h", s / 86400, (s % 86400) / 3600);
    return buf;
}

const char *ml_loader_label(const char *name, const char *class_name, const char *hash,
                            char *buf, size_t len)
{
    const char *cls = class_name != NULL ? class_name : "?";

    if (name != NULL && name[0] != '\0')
        snprintf(buf, len, "'%s' (%s%s%s)", name, cls, hash ? "@" : "", hash ? hash : "");
    else
        snprintf(buf, len, "%s%s%s", cls, hash ? "@" : "", hash ? hash : "");
    return buf;
}

const char *ml_advice_beyond_known(const char *advice, const struct ml_rknown *known)
{
    static const char lead[] = "Known library leak ", general[] = " In general: ";
    const char *g;

    if (advice == NULL || known == NULL || strncmp(advice, lead, sizeof(lead) - 1) != 0)
        return advice;
    g = strstr(advice, general);
    return g != NULL ? g + sizeof(general) - 1 : NULL;
}
