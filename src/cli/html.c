/* `metaleak html`: one self-contained page for on-call (see cli.h and html.h). The page is
 * plain HTML with inline CSS and SVG: no script, nothing fetched (a Content-Security-Policy
 * forbids both), readable from disk or a CI artifact store, and printable. Its parts: the
 * verdict and what to do first, key numbers, a Metaspace-over-time chart per JVM
 * (html_chart.c), the leak groups with their paths (html_leaks.c), the top loaders, the growth
 * that is not a leak and the JVM and Flink facts (html_facts.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metaleak/cli.h"
#include "metaleak/clifmt.h"
#include "metaleak/html.h"
#include "metaleak/leakgroup.h"
#include "metaleak/sizes.h"
#include "metaleak/triage.h"

static const char CSS[] =
    ":root{--ink:#1e293b;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;"
    "--leak:#b91c1c;--warn:#c2410c;--grow:#a16207;--ok:#15803d;--used:#2563eb}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--ink);background:var(--bg);-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}"
    "main{max-width:1240px;margin:0 auto;padding:16px 24px 40px}"
    "h1{font-size:15px;margin:0;color:var(--muted);font-weight:600}"
    "h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}"
    "h3{font-size:16px;margin:0;flex:1}h4{font-size:13px;margin:12px 0 4px;color:var(--muted)}"
    "code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "overflow-wrap:anywhere}"
    "code.id{color:var(--muted)}"
    ".top{display:flex;gap:16px;align-items:center;background:var(--card);border:1px solid "
    "var(--line);border-left:8px solid var(--muted);border-radius:8px;padding:14px 18px;"
    "margin-top:8px}"
    ".top.v-leak{border-left-color:var(--leak)}.top.v-undersized{border-left-color:var(--warn)}"
    ".top.v-growing{border-left-color:var(--grow)}.top.v-healthy{border-left-color:var(--ok)}"
    ".word{font-size:26px;font-weight:800;letter-spacing:.04em;min-width:150px}"
    ".v-leak .word{color:var(--leak)}.v-undersized .word{color:var(--warn)}"
    ".v-growing .word{color:var(--grow)}.v-healthy .word{color:var(--ok)}"
    ".top p{margin:2px 0}.first{font-size:16px;font-weight:600}.reason{color:var(--muted)}"
    ".oom{color:#fff;background:#7f1d1d;border-radius:4px;padding:1px 6px;font-weight:700;"
    "font-size:13px}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;"
    "margin:10px 0}"
    ".tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px "
    "12px}.tile b{display:block;font-size:20px}.tile span{color:var(--muted);font-size:12px}"
    ".notice{background:#fff7ed;border:1px solid #fdba74;border-radius:8px;padding:8px 12px;"
    "margin:8px 0}"
    "figure.chart{margin:8px 0 16px;background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:8px 12px}"
    ".chart-svg{width:100%;height:auto;display:block}"
    ".chart-svg text{font:11px system-ui,sans-serif;fill:var(--muted)}"
    ".chart-svg .title{font-size:12px}"
    ".plot{fill:#fff;stroke:var(--line)}.grid{stroke:var(--line)}.tick{stroke:var(--muted)}"
    ".used{fill:none;stroke:var(--used);stroke-width:2}.used-area{fill:rgba(37,99,235,.08)}"
    ".used-dot,.postgc{fill:var(--used)}.postgc{stroke:#fff;stroke-width:1}"
    ".committed{fill:none;stroke:#94a3b8;stroke-width:1.5;stroke-dasharray:5 3}"
    ".max line{stroke:var(--leak);stroke-width:1.5;stroke-dasharray:8 4}"
    ".chart-svg .max text{fill:var(--leak)}"
    ".leaked{fill:rgba(220,38,38,.18);stroke:#dc2626;stroke-width:1}"
    ".forecast line{stroke:#d97706;stroke-width:2;stroke-dasharray:4 4}"
    ".chart-svg .forecast text{fill:#b45309;font-weight:600}"
    ".m-leak line{stroke:var(--leak);stroke-width:1;stroke-dasharray:2 3;opacity:.6}"
    ".m-leak path{fill:var(--leak)}.chart-svg .m-leak text{fill:var(--leak);font-weight:700}"
    ".m-oom line{stroke:#7f1d1d;stroke-width:3}.chart-svg .m-oom text{fill:#7f1d1d;"
    "font-weight:700}"
    ".m-report line{stroke:#475569;stroke-width:1;stroke-dasharray:1 3}"
    "figcaption{color:var(--muted);font-size:12px;margin-top:4px}"
    ".key{display:inline-block;margin-right:10px}.key:before{content:'';display:inline-block;"
    "width:18px;height:0;border-top:3px solid;vertical-align:middle;margin-right:4px}"
    ".k-used:before{border-color:var(--used)}.k-committed:before{border-top:2px dashed "
    "#94a3b8}.k-max:before{border-top:2px dashed var(--leak)}.k-leaked:before{border-top:"
    "8px solid rgba(220,38,38,.35)}.k-forecast:before{border-top:2px dashed #d97706}"
    ".k-leak:before{border-top:2px dotted var(--leak)}.k-oom:before{border-top:3px solid "
    "#7f1d1d}.k-report:before{border-top:2px dotted #475569}.k-postgc:before{width:7px;"
    "height:7px;border:0;border-radius:50%;background:var(--used)}"
    "article.group{background:var(--card);border:1px solid var(--line);border-left:6px solid "
    "var(--leak);border-radius:8px;padding:12px 16px;margin:12px 0}"
    "article.group header{display:flex;gap:12px;align-items:baseline}"
    ".count{font-size:22px;font-weight:800;color:var(--leak);min-width:64px}"
    ".cost{font-weight:700;color:var(--leak)}.facts{margin:6px 0;color:var(--muted)}"
    ".label{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;"
    "letter-spacing:.05em;color:var(--muted);margin-right:6px}"
    ".jobs ul{display:inline;margin:0;padding:0}.jobs li{display:inline;margin-right:14px}"
    ".known{background:#eff6ff;border:1px solid #93c5fd;border-radius:6px;padding:6px 10px;"
    "margin:8px 0}"
    ".advice{background:#f0fdf4;border:1px solid #86efac;border-radius:6px;padding:6px 10px;"
    "margin:8px 0}"
    "ol.chain{list-style:none;margin:4px 0;padding:0}"
    "ol.chain li.step{position:relative;border:1px solid var(--line);border-radius:6px;"
    "padding:5px 10px;margin:0 0 14px 0;background:#fff}"
    "ol.chain li.step:not(:last-child):after{content:'\\2193';position:absolute;left:18px;"
    "bottom:-15px;color:var(--muted);font-size:12px}"
    "ol.chain li.root{border-color:#94a3b8;background:#f1f5f9}"
    "ol.chain li.job{border-color:#fca5a5;background:#fef2f2}"
    "ol.chain li.boundary{margin:-4px 0 10px;padding:2px 10px 0 28px;font-size:12px;"
    "font-weight:700;"
    "color:var(--leak);border-top:2px dashed var(--leak)}"
    ".how{display:block;font-size:12px;color:var(--muted)}.owner{display:block;font-size:12px;"
    "color:var(--muted)}.cls{font-weight:600}"
    ".badge{display:inline-block;font-size:11px;border-radius:4px;padding:0 5px;"
    "background:#e2e8f0}.badge.owned{background:#fecaca;color:#7f1d1d}"
    ".badge.hook{background:#fde68a}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 12px;background:var(--card)}"
    "th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}"
    "thead th{background:#f1f5f9;font-size:12px}td.num{text-align:right;white-space:nowrap}"
    "caption{text-align:left;font-weight:600;padding:4px 0}"
    "tr.state-leaked td{background:#fef2f2}tr.state-closed td{background:#fffbeb}"
    "table.kv th{width:190px;font-weight:600;background:#f8fafc}"
    "table.kv.flink th{width:auto}"
    "table.growth th{width:200px}"
    ".cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}"
    ".none{color:var(--ok);font-weight:600}.empty,.nopath,.intro{color:var(--muted)}"
    "footer{color:var(--muted);font-size:12px;margin-top:24px}"
    "@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}"
    ".top,.tile,figure.chart,article.group,table{break-inside:avoid}"
    "h2{break-after:avoid}section{break-inside:auto}.cols{display:block}"
    "a{color:inherit}}";

/* Reports of the same JVM (same pid, start within 2 s) share a chart. Fills jvm[r] with the
 * JVM index of report r; returns the number of JVMs. */
static size_t jvms(const struct ml_rfile *rfs, size_t n, size_t *jvm)
{
    size_t count = 0;

    for (size_t r = 0; r < n; r++) {
        int64_t start = ml_report_start_epoch(&rfs[r]);

        jvm[r] = count;
        for (size_t q = 0; q < r; q++) {
            int64_t other = ml_report_start_epoch(&rfs[q]);

            if (rfs[q].pid == rfs[r].pid &&
                (start < 0 || other < 0 || llabs(start - other) < 2000)) {
                jvm[r] = jvm[q];
                break;
            }
        }
        if (jvm[r] == count)
            count++;
    }
    return count;
}

static void head(FILE *out, const struct ml_rfile *rfs, size_t n, const char *word)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"metaleak html\">\n<title>",
          out);
    ml_hf(out, "metaleak: %s - %s%s", word, rfs[0].path, n > 1 ? " and more" : "");
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", CSS);
}

static void verdict(FILE *out, const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs)
{
    size_t worst_at = 0;
    enum ml_worst w = ml_worst_verdict(rfs, n, &worst_at);
    const struct ml_rfile *rf = &rfs[worst_at];
    int64_t ooms = ml_oom_total(rfs, n);
    char action[1024];

    fprintf(out, "<h1>metaleak: Metaspace and class-loader leaks</h1>\n"
                 "<header class=\"top v-%s\" id=\"verdict\"><div class=\"word\">",
            ml_worst_name(w));
    ml_h(out, w == ML_WORST_LEAK         ? "LEAK"
              : w == ML_WORST_UNDERSIZED ? "UNDERSIZED"
              : w == ML_WORST_GROWING    ? "GROWING"
              : w == ML_WORST_HEALTHY    ? "HEALTHY"
                                         : "NO VERDICT");
    fputs("</div><div>", out);
    if (ooms > 0) {
        fputs("<p><span class=\"oom\">", out);
        ml_hf(out, "OutOfMemoryError: Metaspace %" PRId64 " time(s)", ooms);
        fputs("</span></p>", out);
    }
    fputs("<p class=\"first\">First: ", out);
    ml_h(out, ml_first_action(rfs, n, gs, action, sizeof(action)));
    fputs(".</p>", out);
    if (rf->mspace_reason != NULL) {
        fputs("<p class=\"reason\">", out);
        ml_hf(out, "Metaspace %s: %s", rf->mspace_verdict ? rf->mspace_verdict : "",
              rf->mspace_reason);
        fputs("</p>", out);
    }
    if (rf->mspace_advice != NULL) {
        fputs("<p class=\"reason\">", out);
        ml_h(out, rf->mspace_advice);
        fputs("</p>", out);
    }
    fputs("</div></header>\n", out);
}

static void tile(FILE *out, const char *value, const char *what)
{
    fputs("<div class=\"tile\"><b>", out);
    ml_h(out, value);
    fputs("</b><span>", out);
    ml_h(out, what);
    fputs("</span></div>", out);
}

static void tiles(FILE *out, const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs)
{
    size_t worst_at = 0;
    const struct ml_rfile *rf;
    uint64_t leaked = 0;
    int64_t held = -1;
    char a[64], b[32], c[96];

    ml_worst_verdict(rfs, n, &worst_at);
    rf = &rfs[worst_at];
    for (size_t r = 0; r < n; r++)
        leaked += rfs[r].leaked_loaders;
    for (size_t i = 0; i < gs->n; i++) {
        if (gs->g[i].metaspace_bytes >= 0)
            held = (held < 0 ? 0 : held) + gs->g[i].metaspace_bytes;
    }
    fputs("<div class=\"tiles\" id=\"numbers\">", out);
    snprintf(a, sizeof(a), "%" PRIu64, leaked);
    snprintf(c, sizeof(c), "leaked class loaders in %zu group(s)", gs->n);
    tile(out, a, c);
    if (held >= 0)
        tile(out, ml_format_size(held, a, sizeof(a)), "of Metaspace held by leaked loaders");
    snprintf(a, sizeof(a), "%s", ml_format_size(rf->metaspace_used, b, sizeof(b)));
    if (rf->metaspace_max >= 0) {
        ml_format_size(rf->metaspace_max, b, sizeof(b));
        snprintf(c, sizeof(c), "Metaspace used of %s limit%s", b, n > 1 ? " (worst JVM)" : "");
    } else {
        snprintf(c, sizeof(c), "Metaspace used, no limit%s", n > 1 ? " (worst JVM)" : "");
    }
    tile(out, a, c);
    if (rf->mspace_submissions_left >= 0) {
        snprintf(a, sizeof(a), "%" PRId64, rf->mspace_submissions_left);
        tile(out, a, "more leaking submissions fit");
    }
    if (rf->mspace_ms_left > 0)
        tile(out, ml_format_duration(rf->mspace_ms_left, a, sizeof(a)),
             "to the limit at this leak rate");
    else if (rf->mspace_ms_left == 0)
        tile(out, "reached", "the Metaspace limit");
    snprintf(a, sizeof(a), "%" PRId64, ml_oom_total(rfs, n));
    tile(out, a, "OutOfMemoryError: Metaspace");
    fputs("</div>\n", out);
}

static void notices(FILE *out, const struct ml_rfile *rfs, size_t n)
{
    char why[1024];

    for (size_t r = 0; r < n; r++) {
        if (!ml_undecided(&rfs[r], why, sizeof(why)))
            continue;
        fputs("<p class=\"notice\"><span class=\"label\">undecided</span> ", out);
        ml_hf(out, "%s: %s", rfs[r].path, why);
        fputs("</p>\n", out);
    }
}

static void charts(FILE *out, const struct ml_rfile *rfs, size_t n)
{
    size_t *jvm = calloc(n, sizeof(*jvm)), *idx = calloc(n, sizeof(*idx));
    size_t count;

    if (jvm == NULL || idx == NULL) {
        free(jvm);
        free(idx);
        return;
    }
    count = jvms(rfs, n, jvm);
    fputs("<section id=\"metaspace\"><h2>Metaspace over time</h2>\n", out);
    for (size_t j = 0; j < count; j++) {
        size_t k = 0;

        for (size_t r = 0; r < n; r++) {
            if (jvm[r] == j)
                idx[k++] = r;
        }
        if (count > 1 || k > 1) {
            fputs("<h3 class=\"jvm\">", out);
            ml_hf(out, "JVM pid %ld: %s%s", rfs[idx[0]].pid, rfs[idx[0]].path,
                  k > 1 ? " and later reports" : "");
            fputs("</h3>\n", out);
        }
        ml_html_chart(out, rfs, idx, k, (int)j + 1);
    }
    fputs("</section>\n", out);
    free(jvm);
    free(idx);
}

int ml_html_write(const struct ml_rfile *rfs, size_t n, const struct ml_jobnames *jn, FILE *out)
{
    struct ml_lgroups gs;
    enum ml_worst w;
    char iso[40];
    struct timespec now;

    if (n == 0 || ml_lgroups_build(rfs, n, &gs) != 0)
        return ML_EXIT_FAIL;
    w = ml_worst_verdict(rfs, n, NULL);
    head(out, rfs, n, ml_worst_name(w));
    verdict(out, rfs, n, &gs);
    tiles(out, rfs, n, &gs);
    notices(out, rfs, n);
    charts(out, rfs, n);
    ml_html_leaks(out, rfs, n, &gs, jn);
    ml_html_loaders(out, rfs, n, jn);
    ml_html_growth(out, rfs, n);
    ml_html_facts(out, rfs, n);
    clock_gettime(CLOCK_REALTIME, &now);
    fputs("<footer>Written by <code>metaleak html</code> at ", out);
    ml_h(out, ml_format_iso8601((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, iso,
                                sizeof(iso)));
    fputs(" from ", out);
    for (size_t r = 0; r < n; r++) {
        if (r > 0)
            fputs(", ", out);
        fputs("<code>", out);
        ml_h(out, rfs[r].path);
        fputs("</code>", out);
    }
    if (jn != NULL && jn->n > 0)
        fprintf(out, " with the names of %zu Flink job(s)", jn->n);
    fputs(". Reports: docs/report.md; this page: docs/cli.md.</footer>\n</main>\n</body>\n"
          "</html>\n",
          out);
    ml_lgroups_release(&gs);
    return ferror(out) ? ML_EXIT_FAIL : ML_EXIT_OK;
}
