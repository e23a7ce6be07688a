/* The status snapshot as Prometheus text (metrics.h). Metric names follow Prometheus'
 * conventions: metaleak_ prefix, base units (bytes, seconds), counters end in _total. */
#include "metaleak/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ml_metrics_verdict_level(const char *verdict)
{
    static const char *const names[] = {"healthy", "growing", "undersized", "leak"};

    for (int i = 0; verdict != NULL && i < 4; i++)
        if (strcmp(verdict, names[i]) == 0)
            return i;
    return -1;
}

struct text {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        {
            size_t cap = t->cap * 2 + (size_t)n;
            char *grown = realloc(t->buf, cap);

            if (grown == NULL) {
                t->failed = true;
                return;
            }
            t->buf = grown;
            t->cap = cap;
        }
    }
}

/* A label value: '\', '"' and newlines escaped. */
static void label_value(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (; in != NULL && *in != '\0' && o + 3 < outlen; in++) {
        if (*in == '\\' || *in == '"') {
            out[o++] = '\\';
            out[o++] = *in;
        } else if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

static void metric(struct text *t, const char *labels, const char *name, const char *type,
                   const char *help, int64_t value)
{
    add(t, "# HELP %s %s\n# TYPE %s %s\n%s{%s} %" PRId64 "\n", name, help, name, type, name,
        labels, value);
}

char *ml_metrics_render(const struct ml_agent_status *s, const char *host, long pid)
{
    struct text t = {malloc(4096), 0, 4096, false};
    char h[512], labels[640], path[8192];
    int level = ml_metrics_verdict_level(s->verdict);

    if (t.buf == NULL)
        return NULL;
    label_value(host, h, sizeof(h));
    snprintf(labels, sizeof(labels), "host=\"%s\",pid=\"%ld\"", h, pid);
    metric(&t, labels, "metaleak_up", "gauge",
           "1 while the agent works, 0 once it disabled itself", s->active ? 1 : 0);
    metric(&t, labels, "metaleak_leaked_loaders", "gauge",
           "Class loaders proven leaked and still loaded", (int64_t)s->leaked_loaders);
    metric(&t, labels, "metaleak_loaders_leaked_total", "counter",
           "Class loaders proven leaked since the JVM started", (int64_t)s->leaked_loaders_total);
    metric(&t, labels, "metaleak_leaked_classes", "gauge",
           "Classes of the leaked class loaders still loaded", (int64_t)s->leaked_classes);
    metric(&t, labels, "metaleak_leaked_metaspace_bytes", "gauge",
           "Metaspace held by the leaked class loaders that were measured",
           s->leaked_metaspace_bytes);
    metric(&t, labels, "metaleak_loaders_live", "gauge", "Class loaders alive",
           (int64_t)s->loaders_live);
    metric(&t, labels, "metaleak_metaspace_verdict", "gauge",
           "Metaspace verdict: 0 healthy, 1 growing, 2 undersized, 3 leak, -1 none yet", level);
    metric(&t, labels, "metaleak_forecast_submissions_left", "gauge",
           "Leaking job submissions until Metaspace runs out, -1 unknown", s->submissions_left);
    metric(&t, labels, "metaleak_forecast_seconds_left", "gauge",
           "Seconds until Metaspace runs out at the current leak rate, -1 unknown",
           s->seconds_left);
    metric(&t, labels, "metaleak_metaspace_used_bytes", "gauge", "Metaspace in use, -1 unknown",
           s->metaspace_used_bytes);
    metric(&t, labels, "metaleak_metaspace_max_bytes", "gauge",
           "Metaspace limit (MaxMetaspaceSize), -1 unlimited", s->metaspace_max_bytes);
    metric(&t, labels, "metaleak_metaspace_oom_total", "counter",
           "OutOfMemoryErrors for Metaspace or the class space", (int64_t)s->ooms);
    metric(&t, labels, "metaleak_reports_written_total", "counter", "Reports written",
           (int64_t)s->reports_written);
    metric(&t, labels, "metaleak_last_report_timestamp_seconds", "gauge",
           "When the last report was written, -1 none",
           s->last_report_epoch_ms < 0 ? -1 : s->last_report_epoch_ms / 1000);
    metric(&t, labels, "metaleak_agent_errors_total", "counter", "Errors the agent printed",
           (int64_t)s->errors);
    label_value(s->last_report != NULL ? s->last_report : "", path, sizeof(path));
    add(&t, "# HELP metaleak_last_report_info The file of the last report (label path)\n"
            "# TYPE metaleak_last_report_info gauge\nmetaleak_last_report_info{%s,path=\"%s\"} "
            "1\n", labels, path);
    metric(&t, labels, "metaleak_updated_timestamp_seconds", "gauge",
           "When this file was written", s->updated_epoch_ms / 1000);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}
