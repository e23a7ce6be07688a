/* `metaleak html`: the top loaders by Metaspace, the growth that is not a leak, and the JVM and
 * Flink facts of each report (see html.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/clifmt.h"
#include "metaleak/html.h"
#include "metaleak/sizes.h"
#include "metaleak/triage.h"

#define TOP_LOADERS 10
#define LISTED 5

static int by_metaspace(const void *a, const void *b)
{
    const struct ml_rloader *x = *(const struct ml_rloader *const *)a;
    const struct ml_rloader *y = *(const struct ml_rloader *const *)b;

    if (x->metaspace_bytes != y->metaspace_bytes)
        return x->metaspace_bytes < y->metaspace_bytes ? 1 : -1;
    if (x->classes_live != y->classes_live)
        return x->classes_live < y->classes_live ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void caption(FILE *out, const struct ml_rfile *rf, size_t n)
{
    if (n < 2)
        return;
    fputs("<caption>", out);
    ml_hf(out, "%s (pid %ld)", rf->path, rf->pid);
    fputs("</caption>", out);
}

static void size_cell(FILE *out, int64_t bytes)
{
    char size[32];

    fputs("<td class=\"num\">", out);
    ml_h(out, bytes >= 0 ? ml_format_size(bytes, size, sizeof(size)) : "");
    fputs("</td>", out);
}

static void top_loaders(FILE *out, const struct ml_rfile *rf, size_t n,
                        const struct ml_jobnames *jn)
{
    const struct ml_rloader **sorted = malloc((rf->n_loaders + 1) * sizeof(*sorted));
    size_t k = 0;

    if (sorted == NULL)
        return;
    for (size_t i = 0; i < rf->n_loaders; i++) {
        if (strcmp(rf->loaders[i].state, "unloaded") != 0 && rf->loaders[i].id != 0)
            sorted[k++] = &rf->loaders[i];
    }
    qsort(sorted, k, sizeof(*sorted), by_metaspace);
    fputs("<table class=\"loaders\">", out);
    caption(out, rf, n);
    fputs("<thead><tr><th>loader</th><th>role</th><th>state</th><th>classes</th>"
          "<th>Metaspace</th><th>job</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < k && i < TOP_LOADERS; i++) {
        const struct ml_rloader *l = sorted[i];
        char lb[1024];

        fprintf(out, "<tr class=\"state-%s\"><td>",
                strcmp(l->state, "leaked") == 0   ? "leaked"
                : strcmp(l->state, "closed") == 0 ? "closed"
                                                  : "live");
        ml_hf(out, "%s (id %" PRIu64 ")",
              ml_loader_label(l->name, l->class_name, l->identity_hash, lb, sizeof(lb)), l->id);
        if (l->first_url != NULL) {
            const char *slash = strrchr(l->first_url, '/');

            fputs("<br><code class=\"jar\">", out);
            ml_h(out, slash != NULL && slash[1] != '\0' ? slash + 1 : l->first_url);
            fputs("</code>", out);
        }
        fputs("</td><td>", out);
        ml_h(out, l->role != NULL ? l->role : l->growth_kind);
        fputs("</td><td>", out);
        ml_h(out, l->state);
        if (l->suspect)
            fputs(" <span class=\"badge\">suspect</span>", out);
        fputs("</td><td class=\"num\">", out);
        ml_hf(out, "%" PRIu64, l->classes_live);
        fputs("</td>", out);
        size_cell(out, l->metaspace_bytes);
        fputs("<td>", out);
        if (l->job_id != NULL)
            ml_html_job(out, jn, l->job_id);
        fputs("</td></tr>\n", out);
    }
    if (k == 0)
        fputs("<tr><td colspan=\"6\">no live loader besides the bootstrap loader</td></tr>\n",
              out);
    fputs("</tbody></table>\n", out);
    free((void *)sorted);
}

void ml_html_loaders(FILE *out, const struct ml_rfile *rfs, size_t n,
                     const struct ml_jobnames *jn)
{
    bool bytes = false;

    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < rfs[r].n_loaders && !bytes; i++)
            bytes = rfs[r].loaders[i].metaspace_bytes >= 0;
    }
    fputs("<section id=\"loaders\"><h2>", out);
    ml_h(out, bytes ? "Top loaders by Metaspace" : "Top loaders by live classes");
    fputs("</h2>\n<p class=\"intro\">Loaders not unloaded, the bootstrap loader excluded", out);
    if (!bytes)
        fputs(" (no per-loader bytes in the report: see metaspace.source)", out);
    fputs(".</p>\n", out);
    for (size_t r = 0; r < n; r++)
        top_loaders(out, &rfs[r], n, jn);
    fputs("</section>\n", out);
}

static void growth_row(FILE *out, const char *what, int64_t count, const char *why)
{
    fputs("<tr><th>", out);
    ml_h(out, what);
    fputs("</th><td class=\"num\">", out);
    if (count >= 0)
        ml_hf(out, "%" PRId64, count);
    else
        ml_h(out, "not in this report");
    fputs("</td><td>", out);
    ml_h(out, why);
    fputs("</td></tr>\n", out);
}

static void listed(FILE *out, const struct ml_rfile *rf, bool suspects)
{
    size_t shown = 0;

    for (size_t i = 0; i < rf->n_loaders && shown < LISTED; i++) {
        const struct ml_rloader *l = &rf->loaders[i];
        char lb[1024];

        if (suspects ? !l->suspect : l->shadowed <= 0)
            continue;
        fputs(shown++ ? ", " : "<br>", out);
        ml_h(out, ml_loader_label(l->name, l->class_name, l->identity_hash, lb, sizeof(lb)));
        if (!suspects)
            ml_hf(out, " (%" PRId64 ")", l->shadowed);
    }
}

void ml_html_growth(FILE *out, const struct ml_rfile *rfs, size_t n)
{
    fputs("<section id=\"growth\"><h2>Growth that is not a leak</h2>\n<p class=\"intro\">Classes "
          "and loaders that use Metaspace without any leak: they go away with their loader or "
          "are bounded by the JDK.</p>\n",
          out);
    for (size_t r = 0; r < n; r++) {
        const struct ml_rfile *rf = &rfs[r];
        char size[32];

        fputs("<table class=\"growth\">", out);
        caption(out, rf, n);
        fputs("<tbody>\n", out);
        growth_row(out, "lambda classes live", rf->lambdas,
                   "hidden classes of lambdas and method references, freed with the loader of "
                   "the class that defines them");
        growth_row(out, "dynamic proxy classes live", rf->proxies,
                   "java.lang.reflect.Proxy classes, cached per loader and interface list");
        growth_row(out, "reflection accessor loaders", rf->reflection_loaders,
                   "one small loader per reflectively called method (JDK 17 and older); the "
                   "JDK frees them when their method's class is unloaded");
        fputs("<tr><th>shadowed classes</th><td class=\"num\">", out);
        if (rf->shadowed_classes >= 0)
            ml_hf(out, "%" PRId64 " in %" PRId64 " loader(s)", rf->shadowed_classes,
                  rf->loaders_shadowing);
        else
            ml_h(out, "not in this report");
        fputs("</td><td>child-first loaders that define classes their parent also defines: "
              "duplicates in Metaspace, and a source of ClassCastException",
              out);
        listed(out, rf, false);
        fputs("</td></tr>\n<tr><th>suspect loaders</th><td class=\"num\">", out);
        if (rf->loaders_suspect >= 0)
            ml_hf(out, "%" PRId64, rf->loaders_suspect);
        else
            ml_h(out, "not in this report");
        fputs("</td><td>live, superseded by a newer loader with the same jars and idle since: "
              "not closed, so not provable, but a leak in the making",
              out);
        listed(out, rf, true);
        fputs("</td></tr>\n", out);
        fputs("<tr><th>hidden class bytes</th><td class=\"num\">", out);
        ml_h(out, rf->hidden_class_bytes >= 0
                      ? ml_format_size(rf->hidden_class_bytes, size, sizeof(size))
                      : "not measured");
        fputs("</td><td>Metaspace of hidden classes that HotSpot keeps apart from their "
              "loader</td></tr>\n</tbody></table>\n",
              out);
    }
    fputs("</section>\n", out);
}

static void row_text(FILE *out, const char *key, const char *value)
{
    fputs("<tr><th>", out);
    ml_h(out, key);
    fputs("</th><td>", out);
    ml_h(out, value != NULL ? value : "unknown");
    fputs("</td></tr>\n", out);
}

static void row_size(FILE *out, const char *key, int64_t bytes)
{
    char size[32];

    row_text(out, key, bytes >= 0 ? ml_format_size(bytes, size, sizeof(size)) : "unknown");
}

static void jvm_facts(FILE *out, const struct ml_rfile *rf)
{
    char buf[1024], a[32], b[32], c[32], iso[40];
    int64_t start = ml_report_start_epoch(rf);
    size_t o = 0;

    fputs("<table class=\"kv\"><tbody>\n", out);
    row_text(out, "report", rf->path);
    snprintf(buf, sizeof(buf), "%s, written at %s", rf->trigger, rf->generated_at);
    row_text(out, "trigger", buf);
    snprintf(buf, sizeof(buf), "%s %s, pid %ld", rf->vm_name ? rf->vm_name : "JVM",
             rf->java_version ? rf->java_version : "?", rf->pid);
    row_text(out, "JVM", buf);
    snprintf(buf, sizeof(buf), "%s, up %s", start >= 0 ? ml_format_iso8601(start, iso, sizeof(iso))
                                                       : "unknown",
             ml_format_duration(rf->uptime_ms, a, sizeof(a)));
    row_text(out, "started", buf);
    snprintf(buf, sizeof(buf), "%s%s", rf->agent_version ? rf->agent_version : "unknown",
             rf->attached ? ", attached to the running JVM" : "");
    row_text(out, "agent", buf);
    buf[0] = '\0';
    for (size_t i = 0; i < rf->n_collectors && o < sizeof(buf); i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "", rf->collectors[i]);
    if (o < sizeof(buf) && rf->full_gcs >= 0)
        snprintf(buf + o, sizeof(buf) - o, "%s%" PRId64 " full collection(s)%s", o ? "; " : "",
                 rf->full_gcs, rf->gc_concurrent ? " (concurrent)" : "");
    row_text(out, "garbage collector", buf[0] ? buf : NULL);
    snprintf(buf, sizeof(buf), "%s used, %s committed, limit %s",
             ml_format_size(rf->metaspace_used, a, sizeof(a)),
             ml_format_size(rf->metaspace_committed, b, sizeof(b)),
             rf->metaspace_max >= 0 ? ml_format_size(rf->metaspace_max, c, sizeof(c)) : "none");
    row_text(out, "Metaspace", buf);
    if (rf->ccs_used >= 0 || rf->ccs_max >= 0) {
        snprintf(buf, sizeof(buf), "%s used, %s committed, limit %s",
                 ml_format_size(rf->ccs_used, a, sizeof(a)),
                 ml_format_size(rf->ccs_committed, b, sizeof(b)),
                 ml_format_size(rf->ccs_max, c, sizeof(c)));
        row_text(out, "compressed class space", buf);
    }
    row_size(out, "reserved", rf->metaspace_reserved);
    row_text(out, "per-loader bytes", rf->metaspace_source);
    o = 0;
    if (rf->loaders_total >= 0)
        o += (size_t)snprintf(buf, sizeof(buf), "%" PRId64 " tracked: ", rf->loaders_total);
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%" PRIu64 " live, ", rf->loaders_live);
    if (rf->loaders_closed >= 0)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%" PRId64 " closed, ",
                              rf->loaders_closed);
    snprintf(buf + o, sizeof(buf) - o, "%" PRIu64 " leaked, %" PRIu64 " unloaded; %" PRIu64
                                       " classes live",
             rf->leaked_loaders, rf->loaders_unloaded, rf->classes_live);
    row_text(out, "loaders", buf);
    row_text(out, "path search", rf->paths_mode);
    if (rf->dropped_loaders > 0 || rf->dropped_urls > 0 || rf->dropped_history > 0) {
        snprintf(buf, sizeof(buf), "%" PRId64 " loaders, %" PRId64 " URLs, %" PRId64
                                   " unloaded loaders forgotten",
                 rf->dropped_loaders, rf->dropped_urls, rf->dropped_history);
        row_text(out, "dropped", buf);
    }
    if (ml_undecided(rf, buf, sizeof(buf)))
        row_text(out, "undecided", buf);
    fputs("</tbody></table>\n", out);
}

static void flink_facts(FILE *out, const struct ml_rfile *rf)
{
    if (!rf->has_flink_config)
        return;
    fputs("<table class=\"kv flink\"><thead><tr><th colspan=\"2\">Flink configuration"
          "</th></tr></thead><tbody>\n",
          out);
    row_text(out, "file", rf->flink_config_file);
    if (rf->flink_config_error != NULL)
        row_text(out, "error reading it", rf->flink_config_error);
    for (size_t i = 0; i < rf->n_flink_config; i++)
        row_text(out, rf->flink_config[i].key,
                 rf->flink_config[i].value != NULL ? rf->flink_config[i].value
                                                   : "(unset: Flink's default)");
    fputs("</tbody></table>\n", out);
}

void ml_html_facts(FILE *out, const struct ml_rfile *rfs, size_t n)
{
    fputs("<section id=\"facts\"><h2>JVM and Flink facts</h2>\n<div class=\"cols\">\n", out);
    for (size_t r = 0; r < n; r++) {
        /* one report: the JVM and the Flink tables side by side */
        fputs("<div class=\"col\">", out);
        jvm_facts(out, &rfs[r]);
        if (n == 1 && rfs[r].has_flink_config)
            fputs("</div><div class=\"col\">", out);
        flink_facts(out, &rfs[r]);
        fputs("</div>\n", out);
    }
    fputs("</div></section>\n", out);
}
