/* `metaleak html`: the leak groups, each with its reference path drawn as a chain from the GC
 * root to the job's object (see html.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/clifmt.h"
#include "metaleak/html.h"
#include "metaleak/sizes.h"

#define MAX_SHOWN 8
#define MAX_JOBS 200  /* jobs listed per group (each name lookup is linear) */

static const char *cause_title(const char *cause)
{
    static const char *const titles[][2] = {
        {"thread", "a thread outlives the job"},
        {"thread-local", "a ThreadLocal value on a thread that outlives the job"},
        {"static-field", "a static field of a class that outlives the job"},
        {"jdbc-driver", "a JDBC driver registered with java.sql.DriverManager"},
        {"shutdown-hook", "a shutdown hook registered by the job"},
        {"timer", "a timer that outlives the job"},
        {"mbean", "an MBean registered by the job"},
        {"jni-global", "a JNI global reference"},
        {"other", "a reference from outside the job"},
    };

    if (cause == NULL)
        return "not explained yet (the report has no reference path)";
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
        if (strcmp(titles[i][0], cause) == 0)
            return titles[i][1];
    }
    return cause;
}

const struct ml_rloader *ml_html_loader(const struct ml_rfile *rf, int64_t id)
{
    for (size_t i = 0; id >= 0 && i < rf->n_loaders; i++) {
        if ((int64_t)rf->loaders[i].id == id)
            return &rf->loaders[i];
    }
    return NULL;
}

void ml_html_job(FILE *out, const struct ml_jobnames *jn, const char *job_id)
{
    const char *name = ml_jobnames_find(jn, job_id);

    if (name != NULL) {
        fputs("<b>", out);
        ml_h(out, name);
        fputs("</b> <code class=\"id\">", out);
        ml_h(out, job_id);
        fputs("</code>", out);
    } else {
        fputs("<code class=\"id\">", out);
        ml_h(out, job_id);
        fputs("</code>", out);
    }
}

static const char *base_name(const char *url)
{
    const char *slash = url != NULL ? strrchr(url, '/') : NULL;

    return slash != NULL && slash[1] != '\0' ? slash + 1 : url;
}

/* How step 0 roots the chain. */
static void root_kind(FILE *out, const struct ml_rstep *s)
{
    const char *ref = s->ref != NULL ? s->ref : "other";

    if (strcmp(ref, "stack-local") == 0 || strcmp(ref, "jni-local") == 0) {
        ml_hf(out, "GC root: %s of thread ", strcmp(ref, "stack-local") == 0 ? "local variable"
                                                                               : "JNI local");
        if (s->thread != NULL) {
            fputs("<q>", out);
            ml_h(out, s->thread);
            fputs("</q> ", out);
        }
        if (s->method != NULL) {
            fputs("in <code>", out);
            ml_h(out, s->method);
            fputs("</code>", out);
        }
    } else if (strcmp(ref, "thread") == 0) {
        fputs("GC root: a live thread", out);
    } else if (strcmp(ref, "system-class") == 0) {
        fputs("GC root: a class of the JDK (system class)", out);
    } else if (strcmp(ref, "jni-global") == 0) {
        fputs("GC root: a JNI global reference", out);
    } else if (strcmp(ref, "class") == 0) {
        fputs("GC root: a class whose loader stays alive", out);
    } else if (strcmp(ref, "monitor") == 0) {
        fputs("GC root: a held monitor", out);
    } else {
        ml_hf(out, "GC root (%s)", ref);
    }
}

/* How the step before holds step s. */
static void held_by(FILE *out, const struct ml_rstep *s)
{
    const char *ref = s->ref != NULL ? s->ref : "other";

    if (strcmp(ref, "field") == 0 || strcmp(ref, "static-field") == 0) {
        fputs("field <code class=\"field\">", out);
        ml_h(out, s->field != NULL ? s->field : "?");
        fputs("</code>", out);
        if (strcmp(ref, "static-field") == 0)
            fputs(" (static)", out);
    } else if (strcmp(ref, "array-element") == 0) {
        fputs("element <code class=\"field\">", out);
        if (s->index >= 0)
            ml_hf(out, "[%" PRId64 "]", s->index);
        else
            ml_h(out, "[]");
        fputs("</code>", out);
    } else {
        ml_hf(out, "its %s", strcmp(ref, "class-loader") == 0 ? "class loader" : ref);
    }
    if (s->key != NULL) {
        fputs(", map key <code class=\"field\">", out);
        ml_h(out, s->key);
        fputs("</code>", out);
    }
}

static void owner(FILE *out, const struct ml_rfile *rf, const struct ml_rleak *l,
                  const struct ml_rstep *s, const struct ml_jobnames *jn)
{
    const struct ml_rloader *ld = ml_html_loader(rf, s->loader_id);
    char lb[1024];

    fputs("<span class=\"owner\">", out);
    if (s->loader_id < 0) {
        fputs("loader unknown", out);
    } else if (s->loader_id == 0) {
        fputs("loaded by the JDK (bootstrap)", out);
    } else if ((uint64_t)s->loader_id == l->loader_id) {
        fputs("loaded by the leaked loader", out);
        if (l->job_id != NULL) {
            fputs(" of job ", out);
            ml_html_job(out, jn, l->job_id);
        }
    } else {
        ml_hf(out, "loaded by %s (id %" PRId64 ")",
              ld != NULL ? ml_loader_label(ld->name, ld->class_name, ld->identity_hash, lb,
                                           sizeof(lb))
                         : "loader",
              s->loader_id);
    }
    if (s->jar != NULL) {
        fputs(", from <code class=\"jar\" title=\"", out);
        ml_h(out, s->jar);
        fputs("\">", out);
        ml_h(out, base_name(s->jar));
        fputs("</code>", out);
    }
    fputs("</span>", out);
}

static void object(FILE *out, const struct ml_rstep *s)
{
    const char *kind = s->object != NULL ? s->object : "instance";

    fputs("<span class=\"obj\">", out);
    if (strcmp(kind, "thread") == 0) {
        fputs("thread ", out);
        if (s->thread != NULL) {
            fputs("<q>", out);
            ml_h(out, s->thread);
            fputs("</q> ", out);
        }
        fputs("<code class=\"cls\">", out);
        ml_h(out, s->class_name != NULL ? s->class_name : "?");
        fputs("</code>", out);
    } else {
        if (strcmp(kind, "class") == 0)
            fputs("class ", out);
        else if (strcmp(kind, "loader") == 0)
            fputs("loader ", out);
        fputs("<code class=\"cls\">", out);
        ml_h(out, s->class_name != NULL ? s->class_name : "?");
        fputs("</code>", out);
    }
    if (s->shutdown_hook)
        fputs(" <span class=\"badge hook\">shutdown hook</span>", out);
    if (s->owned)
        fputs(" <span class=\"badge owned\">the job's object</span>", out);
    fputs("</span>", out);
}

/* The chain: one <li class="step"> per step, and a boundary where the job's part begins (the
 * first step whose class the leaked loader defined). */
static void chain(FILE *out, const struct ml_rfile *rf, const struct ml_rleak *l,
                  const struct ml_jobnames *jn)
{
    size_t job_from = l->n_steps;

    for (size_t i = 0; i < l->n_steps; i++) {
        if ((l->steps[i].loader_id >= 0 && (uint64_t)l->steps[i].loader_id == l->loader_id) ||
            l->steps[i].owned) {
            job_from = i;
            break;
        }
    }
    fputs("<ol class=\"chain\">\n", out);
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct ml_rstep *s = &l->steps[i];

        if (i == job_from && i > 0) {
            fputs("<li class=\"boundary\">the job's part begins here: the objects below belong "
                  "to the leaked loader",
                  out);
            if (l->job_id != NULL) {
                fputs(" of job ", out);
                ml_html_job(out, jn, l->job_id);
            }
            fputs("</li>\n", out);
        }
        fprintf(out, "<li class=\"step%s%s\"><span class=\"how\">", i == 0 ? " root" : "",
                i >= job_from ? " job" : "");
        if (i == 0)
            root_kind(out, s);
        else
            held_by(out, s);
        fputs("</span> ", out);
        object(out, s);
        fputs(" ", out);
        owner(out, rf, l, s, jn);
        fputs("</li>\n", out);
    }
    fputs("</ol>\n", out);
}

/* The group's jobs: each name once with the count and ids of its submissions; jobs without a
 * known name by id. */
static void jobs(FILE *out, const struct ml_lgroup *g, const struct ml_jobnames *jn)
{
    bool *done;

    if (g->n_jobs == 0)
        return;
    done = calloc(g->n_jobs, sizeof(*done));
    if (done == NULL)
        return;
    fputs("<div class=\"jobs\"><span class=\"label\">jobs</span><ul>", out);
    for (size_t i = 0; i < g->n_jobs && i < MAX_JOBS; i++) {
        const char *name = ml_jobnames_find(jn, g->jobs[i]);
        size_t count = 0, shown = 0;

        if (done[i])
            continue;
        if (name == NULL) {
            done[i] = true;
            fputs("<li>", out);
            ml_html_job(out, jn, g->jobs[i]);
            fputs("</li>", out);
            continue;
        }
        for (size_t j = i; j < g->n_jobs && j < MAX_JOBS; j++) {
            const char *other = ml_jobnames_find(jn, g->jobs[j]);

            count += !done[j] && other != NULL && strcmp(other, name) == 0;
        }
        fputs("<li><b>", out);
        ml_h(out, name);
        fputs("</b>", out);
        if (count > 1)
            fprintf(out, " &times; %zu", count);
        for (size_t j = i; j < g->n_jobs && j < MAX_JOBS; j++) {
            const char *other = ml_jobnames_find(jn, g->jobs[j]);

            if (done[j] || other == NULL || strcmp(other, name) != 0)
                continue;
            done[j] = true;
            if (shown++ < MAX_SHOWN) {
                fputs(" <code class=\"id\">", out);
                ml_h(out, g->jobs[j]);
                fputs("</code>", out);
            }
        }
        if (shown > MAX_SHOWN)
            fprintf(out, " and %zu more", shown - MAX_SHOWN);
        fputs("</li>", out);
    }
    if (g->n_jobs > MAX_JOBS)
        fprintf(out, "<li>and %zu more jobs</li>", g->n_jobs - MAX_JOBS);
    fputs("</ul></div>\n", out);
    free(done);
}

static void known(FILE *out, const struct ml_rknown *k)
{
    fputs("<div class=\"known\"><span class=\"label\">known leak</span> <b>", out);
    ml_h(out, k->id);
    fputs("</b>", out);
    if (k->title != NULL) {
        fputs(": ", out);
        ml_h(out, k->title);
    }
    if (k->library != NULL) {
        fputs(" <span class=\"lib\">(", out);
        ml_h(out, k->library);
        fputs(")</span>", out);
    }
    fputs("<br>fixed in: ", out);
    ml_h(out, k->fixed_in != NULL ? k->fixed_in : "no release yet");
    for (size_t i = 0; i < k->n_references; i++) {
        const char *r = k->references[i];

        fputs(i ? ", " : "; upstream: ", out);
        if (strncmp(r, "https://", 8) == 0 || strncmp(r, "http://", 7) == 0) {
            fputs("<a href=\"", out);
            ml_h(out, r);
            fputs("\">", out);
            ml_h(out, r);
            fputs("</a>", out);
        } else {
            ml_h(out, r);
        }
    }
    if (k->advice != NULL) {
        fputs("<br>workaround: ", out);
        ml_h(out, k->advice);
    }
    fputs("</div>\n", out);
}

/* A time in a table: "13:41:50Z (+25.8 s)", the full time in the tooltip. */
static void when(FILE *out, const struct ml_rfile *rf, int64_t t_ms)
{
    int64_t start = ml_report_start_epoch(rf);
    char iso[40], rel[96];

    if (t_ms < 0) {
        fputs("?", out);
        return;
    }
    if (start < 0) {
        ml_hf(out, "+%" PRId64 ".%" PRId64 " s", t_ms / 1000, (t_ms % 1000) / 100);
        return;
    }
    ml_format_iso8601(start + t_ms, iso, sizeof(iso));
    fputs("<span title=\"", out);
    ml_h(out, ml_format_jvm_time(rf, t_ms, rel, sizeof(rel)));
    fputs(" after JVM start\">", out);
    ml_hf(out, "%.8sZ (+%" PRId64 ".%" PRId64 " s)", iso + 11, t_ms / 1000, (t_ms % 1000) / 100);
    fputs("</span>", out);
}

static void loaders(FILE *out, const struct ml_lgroup *g, const struct ml_rfile *rfs, size_t n)
{
    fputs("<table class=\"members\"><thead><tr><th>leaked loader</th><th>classes</th>"
          "<th>Metaspace</th><th>released</th><th>proven leaked</th>",
          out);
    if (n > 1)
        fputs("<th>report</th>", out);
    fputs("</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < g->n_members && i < MAX_SHOWN; i++) {
        const struct ml_rfile *rf = &rfs[g->members[i].report];
        const struct ml_rleak *l = &rf->leaks[g->members[i].leak];
        char lb[1024], size[32];

        fputs("<tr><td>", out);
        ml_hf(out, "%s (id %" PRIu64 ")",
              ml_loader_label(l->name, l->class_name, l->identity_hash, lb, sizeof(lb)),
              l->loader_id);
        if (l->unloaded_ms >= 0) {
            fputs(", unloaded at ", out);
            when(out, rf, l->unloaded_ms);
        }
        fputs("</td><td class=\"num\">", out);
        ml_hf(out, "%" PRIu64, l->classes_live);
        fputs("</td><td class=\"num\">", out);
        ml_h(out, l->metaspace_bytes >= 0 ? ml_format_size(l->metaspace_bytes, size,
                                                           sizeof(size))
                                          : "not measured");
        fputs("</td><td>", out);
        when(out, rf, l->closed_ms);
        fputs("</td><td>", out);
        when(out, rf, l->leaked_ms);
        ml_hf(out, " by %s, %" PRIu64 " full GC", l->proof ? l->proof : "?", l->gcs_since_close);
        if (n > 1) {
            fputs("</td><td>", out);
            ml_h(out, base_name(rf->path));
        }
        fputs("</td></tr>\n", out);
    }
    if (g->n_members > MAX_SHOWN)
        fprintf(out, "<tr><td colspan=\"%d\">and %zu more</td></tr>\n", n > 1 ? 6 : 5,
                g->n_members - MAX_SHOWN);
    fputs("</tbody></table>\n", out);
}

static void group(FILE *out, size_t k, const struct ml_lgroup *g, const struct ml_rfile *rfs,
                  size_t n, const struct ml_jobnames *jn)
{
    const struct ml_rfile *rf = &rfs[g->example_report];
    const struct ml_rleak *ex = g->example;
    char size[32];

    fprintf(out, "<article class=\"group\" id=\"leak-%zu\">\n<header><span class=\"count\">",
            k + 1);
    ml_hf(out, "%" PRIu64 " ×", g->loaders);
    fputs("</span><h3>", out);
    ml_h(out, cause_title(g->cause));
    fputs("</h3><span class=\"cost\">", out);
    if (g->metaspace_bytes >= 0)
        ml_hf(out, "holds %s of Metaspace",
              ml_format_size(g->metaspace_bytes, size, sizeof(size)));
    else
        ml_h(out, "Metaspace not measured");
    fputs("</span></header>\n<p class=\"facts\">", out);
    ml_hf(out, "%" PRIu64 " leaked loader(s) of class ", g->loaders);
    fputs("<code>", out);
    ml_h(out, ex->class_name);
    fputs("</code>", out);
    if (g->mixed_classes)
        ml_h(out, " (and others)");
    ml_hf(out, ", %" PRIu64 " classes live", g->classes_live);
    if (g->still_alive != g->loaders)
        ml_hf(out, ", %" PRIu64 " unloaded later", g->loaders - g->still_alive);
    if (g->cause != NULL)
        ml_hf(out, "; cause %s", g->cause);
    if (g->signature != NULL)
        ml_hf(out, "; signature %s", g->signature);
    fputs("</p>\n", out);
    jobs(out, g, jn);
    if (g->known != NULL)
        known(out, g->known);
    if (ex->n_steps > 0) {
        fputs("<h4>Reference path", out);
        if (g->loaders > 1)
            ml_hf(out, " (of loader %" PRIu64 "; the others have the same shape)", ex->loader_id);
        fputs("</h4>\n", out);
        chain(out, rf, ex, jn);
    } else {
        fputs("<p class=\"nopath\">No reference path in the report", out);
        if (ex->path_status != NULL)
            ml_hf(out, " (path search: %s)", ex->path_status);
        fputs(".</p>\n", out);
    }
    {
        /* a known leak's workaround is in its box above: the cause's general advice only */
        const char *advice = ml_advice_beyond_known(ex->advice, g->known);

        if (advice != NULL) {
            fputs(g->known != NULL ? "<div class=\"advice\"><span class=\"label\">in general"
                                     "</span> "
                                   : "<div class=\"advice\"><span class=\"label\">fix</span> ",
                  out);
            ml_h(out, advice);
            fputs("</div>\n", out);
        }
    }
    loaders(out, g, rfs, n);
    fputs("</article>\n", out);
}

void ml_html_leaks(FILE *out, const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs,
                   const struct ml_jobnames *jn)
{
    fputs("<section id=\"leaks\"><h2>Leaks, grouped by leak</h2>\n", out);
    if (gs->n == 0) {
        fputs("<p class=\"none\">No class loader was proven leaked.</p></section>\n", out);
        return;
    }
    fprintf(out, "<p class=\"intro\">%zu kind(s) of leak, largest first. Loaders that leak the "
                 "same way (the same path shape, in every submission and on every TaskManager) "
                 "form one group.</p>\n",
            gs->n);
    for (size_t k = 0; k < gs->n; k++)
        group(out, k, &gs->g[k], rfs, n, jn);
    fputs("</section>\n", out);
}
