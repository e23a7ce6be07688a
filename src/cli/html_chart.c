/* `metaleak html`: the Metaspace-over-time chart of one JVM as inline SVG (see html.h).
 *
 * Series: used and committed bytes from metaspace.samples (merged over the JVM's reports, by
 * time), the limit (max_bytes), the bytes held by loaders that turned out leaked (each counted
 * from its release until it was unloaded, if ever), and the forecast to the limit at the
 * current leak rate (metaspace.forecast.ms_left). Markers: leak verdicts (leaked_ms),
 * OutOfMemoryErrors and the reports themselves. The time axis is wall-clock UTC when the report
 * tells the JVM's start, seconds since JVM start otherwise. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metaleak/clifmt.h"
#include "metaleak/html.h"
#include "metaleak/sizes.h"

#define W 960.0
#define H 330.0
#define LEFT 70.0
#define RIGHT 20.0
#define TOP 30.0
#define BOTTOM 46.0
#define MIB (1024.0 * 1024.0)
#define MAX_MARKERS 400  /* leak verdict markers drawn; more are merged into the last */

struct axes {
    double t0, t1;        /* ms since JVM start at the left and right edge */
    double ymax;          /* bytes at the top */
    int64_t start_epoch;  /* -1: relative axis */
};

static double px(const struct axes *a, double t)
{
    double span = a->t1 > a->t0 ? a->t1 - a->t0 : 1;

    return LEFT + (t - a->t0) / span * (W - LEFT - RIGHT);
}

static double py(const struct axes *a, double bytes)
{
    return TOP + (1.0 - bytes / a->ymax) * (H - TOP - BOTTOM);
}

static int by_time(const void *x, const void *y)
{
    const struct ml_rsample *a = x, *b = y;

    return a->t_ms < b->t_ms ? -1 : a->t_ms > b->t_ms;
}

/* The samples of all the reports, by time, one per time. Caller frees. */
static struct ml_rsample *merged(const struct ml_rfile *rfs, const size_t *idx, size_t n_idx,
                                 size_t *n_out)
{
    size_t total = 0, n = 0;
    struct ml_rsample *all;

    for (size_t i = 0; i < n_idx; i++)
        total += rfs[idx[i]].n_samples;
    all = calloc(total + 1, sizeof(*all));
    if (all == NULL) {
        *n_out = 0;
        return NULL;
    }
    for (size_t i = 0; i < n_idx; i++) {
        for (size_t j = 0; j < rfs[idx[i]].n_samples; j++) {
            if (rfs[idx[i]].samples[j].t_ms >= 0)
                all[n++] = rfs[idx[i]].samples[j];
        }
    }
    qsort(all, n, sizeof(*all), by_time);
    total = n;
    n = 0;
    for (size_t i = 0; i < total; i++) {
        if (n == 0 || all[i].t_ms != all[n - 1].t_ms)
            all[n++] = all[i];
    }
    *n_out = n;
    return all;
}

static void time_label(const struct axes *a, double t, double step, char *buf, size_t len)
{
    if (a->start_epoch >= 0) {
        double at = (double)a->start_epoch + t;
        time_t s = (time_t)(at / 1000);
        struct tm tm;

        if (gmtime_r(&s, &tm) == NULL)
            snprintf(buf, len, "?");
        else if (step >= 86400)
            snprintf(buf, len, "%02d-%02d", tm.tm_mon + 1, tm.tm_mday);
        else if (step < 1)
            snprintf(buf, len, "%02d:%02d:%02d.%d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(fmod(at, 1000.0) / 100));
        else if (step < 60)
            snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
        else
            snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
    } else {
        snprintf(buf, len, step < 1 ? "%.1f s" : "%.0f s", t / 1000.0);
    }
}

/* A step of 1, 2 or 5 times a power of ten that cuts `range` into at most `parts` parts. */
static double nice_step(double range, double parts)
{
    double raw = range / parts, mag;

    if (!(raw > 0))
        return 1;
    mag = pow(10, floor(log10(raw)));
    if (raw <= mag)
        return mag;
    if (raw <= 2 * mag)
        return 2 * mag;
    if (raw <= 5 * mag)
        return 5 * mag;
    return 10 * mag;
}

static void y_axis(FILE *out, const struct axes *a)
{
    double step = nice_step(a->ymax / MIB, 6);

    fputs("<g class=\"axis y\">", out);
    for (double v = 0; v * MIB <= a->ymax; v += step) {
        double y = py(a, v * MIB);

        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                LEFT, y, W - RIGHT, y);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g MiB</text>", LEFT - 6,
                y + 4, v);
    }
    fputs("</g>", out);
}

static void x_axis(FILE *out, const struct axes *a)
{
    static const double steps[] = {0.1,  0.2,  0.5,  1,     2,     5,     10,    15,   30,
                                   60,   120,  300,  600,   900,   1800,  3600,  7200, 10800,
                                   21600, 43200, 86400};
    double span = (a->t1 - a->t0) / 1000.0, step = 0, first;
    char lb[32], date[40];

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (span / steps[i] <= 8) {
            step = steps[i];
            break;
        }
    }
    if (step == 0) /* longer than 8 days: whole days */
        step = ceil(span / 8 / 86400) * 86400;
    fputs("<g class=\"axis x\">", out);
    /* ticks at whole multiples of the step, in wall-clock time when known */
    {
        double origin = a->start_epoch >= 0 ? (double)a->start_epoch : 0;

        first = ceil((origin + a->t0) / (step * 1000.0)) * step * 1000.0 - origin;
    }
    /* A span shorter than one step (a single sample, or samples within 100 ms) has no whole
     * multiple inside it: its start is labelled instead, so the axis always tells the time. */
    if (first > a->t1 + 1)
        first = a->t0;
    for (double t = first; t <= a->t1 + 1; t += step * 1000.0) {
        double x = px(a, t);

        time_label(a, t, step, lb, sizeof(lb));
        fprintf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
                H - BOTTOM, x, H - BOTTOM + 5);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", x,
                H - BOTTOM + 18, lb);
    }
    if (a->start_epoch >= 0) {
        ml_format_iso8601(a->start_epoch + (int64_t)a->t0, date, sizeof(date));
        date[10] = '\0';
        fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time "
                     "(UTC, %s)</text>",
                LEFT + (W - LEFT - RIGHT) / 2, H - 8, date);
    } else {
        fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">seconds "
                     "since JVM start</text>",
                LEFT + (W - LEFT - RIGHT) / 2, H - 8);
    }
    fputs("</g>", out);
}

/* A polyline of used or committed bytes. */
static void series(FILE *out, const struct axes *a, const struct ml_rsample *s, size_t n,
                   bool committed, const char *cls)
{
    bool any = false;

    for (size_t i = 0; i < n && !any; i++)
        any = (committed ? s[i].committed_bytes : s[i].used_bytes) >= 0;
    if (!any)
        return;
    if (!committed && n > 1) {
        /* the area under the used line */
        fprintf(out, "<path class=\"used-area\" d=\"M%.1f %.1f", px(a, (double)s[0].t_ms),
                py(a, 0));
        for (size_t i = 0; i < n; i++)
            fprintf(out, " L%.1f %.1f", px(a, (double)s[i].t_ms), py(a, (double)s[i].used_bytes));
        fprintf(out, " L%.1f %.1f Z\"/>", px(a, (double)s[n - 1].t_ms), py(a, 0));
    }
    fprintf(out, "<polyline class=\"%s\" points=\"", cls);
    for (size_t i = 0; i < n; i++) {
        int64_t v = committed ? s[i].committed_bytes : s[i].used_bytes;

        if (v >= 0)
            fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(a, (double)s[i].t_ms), py(a, (double)v));
    }
    fputs("\"/>", out);
    if (!committed) {
        for (size_t i = 0; i < n; i++) {
            if (s[i].after_full_gc || n == 1)
                fprintf(out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
                        s[i].after_full_gc ? "postgc" : "used-dot", px(a, (double)s[i].t_ms),
                        py(a, (double)s[i].used_bytes));
        }
    }
}

struct step_ev {
    int64_t t;
    int64_t delta;
};

static int by_ev(const void *x, const void *y)
{
    const struct step_ev *a = x, *b = y;

    return a->t < b->t ? -1 : a->t > b->t;
}

/* Bytes held by the leaked loaders over time, up to `end`: a step area. Returns the peak. */
static int64_t leaked_area(FILE *out, const struct axes *a, const struct ml_rfile *rf,
                           double end)
{
    struct step_ev *ev = calloc(2 * rf->n_leaks + 1, sizeof(*ev));
    size_t n = 0;
    int64_t level = 0, peak = 0;

    if (ev == NULL)
        return 0;
    for (size_t i = 0; i < rf->n_leaks; i++) {
        const struct ml_rleak *l = &rf->leaks[i];
        int64_t from = l->closed_ms >= 0 ? l->closed_ms : l->leaked_ms;

        if (l->metaspace_bytes <= 0 || from < 0)
            continue;
        ev[n++] = (struct step_ev){from, l->metaspace_bytes};
        if (l->unloaded_ms >= 0)
            ev[n++] = (struct step_ev){l->unloaded_ms, -l->metaspace_bytes};
    }
    if (n == 0) {
        free(ev);
        return 0;
    }
    qsort(ev, n, sizeof(*ev), by_ev);
    fprintf(out, "<path class=\"leaked\" d=\"M%.1f %.1f", px(a, (double)ev[0].t), py(a, 0));
    for (size_t i = 0; i < n; i++) {
        fprintf(out, " L%.1f %.1f", px(a, (double)ev[i].t), py(a, (double)level));
        level += ev[i].delta;
        if (level > peak)
            peak = level;
        fprintf(out, " L%.1f %.1f", px(a, (double)ev[i].t), py(a, (double)level));
    }
    fprintf(out, " L%.1f %.1f L%.1f %.1f Z\"><title>", px(a, end), py(a, (double)level),
            px(a, end), py(a, 0));
    {
        char size[32];

        ml_hf(out, "held by leaked class loaders (from their release): %s at the end",
              ml_format_size(level, size, sizeof(size)));
    }
    fputs("</title></path>", out);
    free(ev);
    return peak;
}

static void vline(FILE *out, const struct axes *a, double t, const char *cls, const char *label,
                  const char *title)
{
    double x = px(a, t);

    fprintf(out, "<g class=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls,
            x, TOP, x, H - BOTTOM);
    if (label != NULL) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x + (x > W - 120 ? -4 : 4),
                strcmp(cls, "m-report") == 0 ? H - BOTTOM - 6 : TOP + 12,
                x > W - 120 ? "end" : "start");
        ml_h(out, label);
        fputs("</text>", out);
    }
    fputs("<title>", out);
    ml_h(out, title);
    fputs("</title></g>", out);
}

static int by_int64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return a < b ? -1 : a > b;
}

/* Leak verdict markers: a triangle on the top edge per verdict time (verdicts within 6 px
 * share one, with their count). */
static void leak_markers(FILE *out, const struct axes *a, const struct ml_rfile *rf)
{
    int64_t *times = calloc(rf->n_leaks + 1, sizeof(*times));
    size_t n = 0;

    if (times == NULL)
        return;
    for (size_t i = 0; i < rf->n_leaks; i++) {
        if (rf->leaks[i].leaked_ms >= 0)
            times[n++] = rf->leaks[i].leaked_ms;
    }
    qsort(times, n, sizeof(*times), by_int64);
    for (size_t i = 0, drawn = 0; i < n && drawn < MAX_MARKERS; drawn++) {
        size_t j = i;
        double x = px(a, (double)times[i]);
        char when[96];

        while (j < n && (px(a, (double)times[j]) - x < 6 || drawn + 1 == MAX_MARKERS))
            j++;
        fprintf(out, "<g class=\"m-leak\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<path d=\"M%.1f %.1f l-5 -9 h10 Z\"/>",
                x, TOP, x, H - BOTTOM, x, TOP);
        if (j - i > 1)
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu</text>", x,
                    TOP - 12, j - i);
        fputs("<title>", out);
        ml_hf(out, "%zu leak verdict(s) at %s", j - i,
              ml_format_jvm_time(rf, times[i], when, sizeof(when)));
        fputs("</title></g>", out);
        i = j;
    }
    free(times);
}

static const struct ml_rfile *latest_of(const struct ml_rfile *rfs, const size_t *idx,
                                        size_t n_idx)
{
    const struct ml_rfile *best = &rfs[idx[0]];

    for (size_t i = 1; i < n_idx; i++) {
        if (rfs[idx[i]].uptime_ms > best->uptime_ms)
            best = &rfs[idx[i]];
    }
    return best;
}

void ml_html_chart(FILE *out, const struct ml_rfile *rfs, const size_t *idx, size_t n_idx,
                   int id)
{
    const struct ml_rfile *rf = latest_of(rfs, idx, n_idx);
    size_t n = 0;
    struct ml_rsample *s = merged(rfs, idx, n_idx, &n);
    struct axes a;
    double t_fore = -1, data_end = 0, peak = 0;
    bool clipped = false;
    char size[32], dur[32], when[96];

    memset(&a, 0, sizeof(a));
    a.start_epoch = ml_report_start_epoch(rf);
    fprintf(out, "<figure class=\"chart\" id=\"chart-%d\">\n", id);
    if (n == 0) {
        fputs("<p class=\"empty\">No Metaspace samples in ", out);
        ml_h(out, n_idx == 1 ? "this report" : "these reports");
        fputs(" (an agent older than late 0.1.0 keeps none): no chart.</p></figure>\n", out);
        free(s);
        return;
    }
    a.t0 = (double)s[0].t_ms;
    data_end = (double)s[n - 1].t_ms;
    for (size_t i = 0; i < n_idx; i++) {
        const struct ml_rfile *r = &rfs[idx[i]];

        if ((double)r->uptime_ms > data_end)
            data_end = (double)r->uptime_ms;
        if (r->oom_last_ms >= 0 && (double)r->oom_last_ms > data_end)
            data_end = (double)r->oom_last_ms;
    }
    for (size_t i = 0; i < rf->n_leaks; i++) {
        if ((double)rf->leaks[i].leaked_ms > data_end)
            data_end = (double)rf->leaks[i].leaked_ms;
        if ((double)rf->leaks[i].closed_ms >= 0 && (double)rf->leaks[i].closed_ms < a.t0)
            a.t0 = (double)rf->leaks[i].closed_ms;
    }
    if (data_end <= a.t0)
        data_end = a.t0 + 1000;
    a.t1 = data_end;
    /* ms_left 0: the limit is reached (an OOM report): nothing left to forecast */
    if (rf->mspace_ms_left > 0 && rf->metaspace_max > 0 && rf->uptime_ms >= 0) {
        double span = data_end - a.t0;

        t_fore = (double)(rf->uptime_ms + rf->mspace_ms_left);
        a.t1 = t_fore <= data_end + span * 0.6 ? t_fore : data_end + span * 0.6;
        clipped = t_fore > a.t1;
        if (a.t1 < data_end)
            a.t1 = data_end;
    }
    a.ymax = (double)(rf->metaspace_max > 0 ? rf->metaspace_max : 0);
    for (size_t i = 0; i < n; i++) {
        if ((double)s[i].used_bytes > a.ymax)
            a.ymax = (double)s[i].used_bytes;
        if ((double)s[i].committed_bytes > a.ymax)
            a.ymax = (double)s[i].committed_bytes;
    }
    a.ymax = a.ymax > 0 ? a.ymax * 1.08 : MIB;

    fprintf(out, "<svg class=\"chart-svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                 "aria-labelledby=\"chart-%d-cap\" xmlns=\"http://www.w3.org/2000/svg\">",
            W, H, id);
    fprintf(out, "<rect class=\"plot\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
            LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    y_axis(out, &a);
    x_axis(out, &a);
    peak = (double)leaked_area(out, &a, rf, data_end);
    series(out, &a, s, n, true, "committed");
    series(out, &a, s, n, false, "used");
    if (rf->metaspace_max > 0) {
        double y = py(&a, (double)rf->metaspace_max);

        fprintf(out, "<g class=\"max\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">",
                LEFT, y, W - RIGHT, y, LEFT + 6, y - 5);
        ml_hf(out, "limit %s (MaxMetaspaceSize)",
              ml_format_size(rf->metaspace_max, size, sizeof(size)));
        fputs("</text></g>", out);
    }
    if (t_fore >= 0) {
        double c0 = (double)(rf->metaspace_committed >= 0 ? rf->metaspace_committed
                                                          : s[n - 1].used_bytes);
        double t_end = clipped ? a.t1 : t_fore;
        double span = (double)(rf->mspace_ms_left ? rf->mspace_ms_left : 1);
        double c_end = c0 + ((double)rf->metaspace_max - c0) *
                                ((t_end - (double)rf->uptime_ms) / span);

        fprintf(out, "<g class=\"forecast\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                     "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                px(&a, (double)rf->uptime_ms), py(&a, c0), px(&a, t_end), py(&a, c_end),
                px(&a, t_end) - 4, py(&a, c_end) + 16);
        ml_hf(out, "%slimit in %s", clipped ? "→ " : "",
              ml_format_duration(rf->mspace_ms_left, dur, sizeof(dur)));
        fputs("</text><title>", out);
        ml_hf(out, "forecast: at the current leak rate Metaspace reaches the limit in %s (about "
                   "%" PRId64 " more leaking submissions)",
              ml_format_duration(rf->mspace_ms_left, dur, sizeof(dur)),
              rf->mspace_submissions_left);
        fputs("</title></g>", out);
    }
    for (size_t i = 0; i < n_idx; i++) {
        const struct ml_rfile *r = &rfs[idx[i]];
        char title[256], label[64];

        if (r->uptime_ms < 0)
            continue;
        snprintf(label, sizeof(label), "%s report", r->trigger);
        snprintf(title, sizeof(title), "report (trigger %s) written at %s", r->trigger,
                 r->generated_at);
        vline(out, &a, (double)r->uptime_ms, "m-report", label, title);
    }
    leak_markers(out, &a, rf);
    if (rf->oom_count > 0 && rf->oom_first_ms >= 0) {
        char title[256];

        snprintf(title, sizeof(title), "OutOfMemoryError: %s, first at %s (%" PRId64 " in all)",
                 rf->oom_space ? rf->oom_space : "metaspace",
                 ml_format_jvm_time(rf, rf->oom_first_ms, when, sizeof(when)), rf->oom_count);
        vline(out, &a, (double)rf->oom_first_ms, "m-oom", "OutOfMemoryError", title);
        if (rf->oom_last_ms > rf->oom_first_ms) {
            snprintf(title, sizeof(title), "last OutOfMemoryError at %s",
                     ml_format_jvm_time(rf, rf->oom_last_ms, when, sizeof(when)));
            vline(out, &a, (double)rf->oom_last_ms, "m-oom", NULL, title);
        }
    }
    fputs("</svg>\n", out);
    fprintf(out, "<figcaption id=\"chart-%d-cap\">", id);
    fputs("<span class=\"key k-used\">used</span> "
          "<span class=\"key k-committed\">committed</span> ",
          out);
    if (rf->metaspace_max > 0)
        fputs("<span class=\"key k-max\">limit</span> ", out);
    if (peak > 0)
        fputs("<span class=\"key k-leaked\">held by leaked loaders</span> ", out);
    if (t_fore >= 0)
        fputs("<span class=\"key k-forecast\">forecast to the limit</span> ", out);
    fputs("<span class=\"key k-leak\">leak verdict</span> ", out);
    if (rf->oom_count > 0)
        fputs("<span class=\"key k-oom\">OutOfMemoryError</span> ", out);
    fputs("<span class=\"key k-report\">report</span> <span class=\"key k-postgc\">after a full "
          "GC</span>",
          out);
    fputs("<br>", out);
    ml_hf(out, "%zu sample(s) of pid %ld", n, rf->pid);
    if (a.start_epoch >= 0) {
        char iso[40];

        ml_hf(out, ", JVM started %s", ml_format_iso8601(a.start_epoch, iso, sizeof(iso)));
    }
    ml_hf(out, "; Metaspace now %s used, %s committed",
          ml_format_size(rf->metaspace_used, size, sizeof(size)),
          ml_format_size(rf->metaspace_committed, dur, sizeof(dur)));
    if (peak > 0)
        ml_hf(out, "; up to %s held by leaked loaders",
              ml_format_size((int64_t)peak, size, sizeof(size)));
    fputs(".</figcaption>\n</figure>\n", out);
    free(s);
}
