/* `metaleak summary`: what on-call reads first. The first line is the worst verdict of all
 * reports and what to do first; then each report's header (times since JVM start with the
 * wall-clock time beside them), one block per leak group (leakgroup.h: 40 submissions of one
 * leaky job are one block) sorted by the Metaspace it holds, and the top loaders. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/clifmt.h"
#include "metaleak/leakgroup.h"
#include "metaleak/sizes.h"
#include "metaleak/triage.h"

#define MAX_SHOWN 8
#define MAX_JOBS 200  /* jobs listed per group (each name lookup is linear) */
#define TOP_LOADERS 5

static const char *label(const struct ml_rfile *rf, char *buf, size_t len)
{
    snprintf(buf, len, "%s (pid %ld)", rf->path, rf->pid);
    return buf;
}

static void upper(const char *s, char *buf, size_t len)
{
    size_t i = 0;

    for (; s[i] != '\0' && i + 1 < len; i++)
        buf[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
    buf[i] = '\0';
}

static void print_verdict(const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs,
                          FILE *out)
{
    char name[32], action[1024];
    int64_t ooms = ml_oom_total(rfs, n);

    upper(ml_worst_name(ml_worst_verdict(rfs, n, NULL)), name, sizeof(name));
    fprintf(out, "verdict: %s", name);
    if (ooms > 0)
        fprintf(out, " (OutOfMemoryError: Metaspace %" PRId64 " time(s))", ooms);
    fprintf(out, " - first: %s\n", ml_first_action(rfs, n, gs, action, sizeof(action)));
}

static void print_header(const struct ml_rfile *rf, FILE *out)
{
    char used[32], max[32], lb[600], t[96], iso[40], up[32], undecided[1024];
    int64_t start = ml_report_start_epoch(rf);

    fprintf(out, "%s: %s %s, trigger %s at %s", label(rf, lb, sizeof(lb)),
            rf->vm_name ? rf->vm_name : "JVM", rf->java_version ? rf->java_version : "?",
            rf->trigger, rf->generated_at);
    if (start >= 0)
        fprintf(out, ", started %s", ml_format_iso8601(start, iso, sizeof(iso)));
    fprintf(out, ", up %s\n", ml_format_duration(rf->uptime_ms, up, sizeof(up)));
    fprintf(out, "  %" PRIu64 " leaked loaders, %" PRIu64 " live, %" PRIu64
                 " unloaded; %" PRIu64 " classes live; Metaspace %s used",
            rf->leaked_loaders, rf->loaders_live, rf->loaders_unloaded, rf->classes_live,
            ml_format_size(rf->metaspace_used, used, sizeof(used)));
    if (rf->metaspace_max >= 0)
        fprintf(out, " of %s max", ml_format_size(rf->metaspace_max, max, sizeof(max)));
    fputc('\n', out);
    if (rf->oom_count > 0)
        fprintf(out, "  OutOfMemoryError: %s %" PRId64 " time(s), first %s after JVM start\n",
                strcmp(rf->oom_space ? rf->oom_space : "", "compressed-class-space") == 0
                    ? "Compressed class space" : "Metaspace",
                rf->oom_count, ml_format_jvm_time(rf, rf->oom_first_ms, t, sizeof(t)));
    if (rf->mspace_verdict != NULL) {
        fprintf(out, "  Metaspace: %s%s%s\n", rf->mspace_verdict, rf->mspace_reason ? " - " : "",
                rf->mspace_reason ? rf->mspace_reason : "");
        if (rf->mspace_submissions_left >= 0)
            fprintf(out, "  forecast: about %" PRId64 " more leaking submissions fit (%s each)%s",
                    rf->mspace_submissions_left,
                    ml_format_size(rf->mspace_bytes_per_leak, used, sizeof(used)),
                    rf->mspace_ms_left >= 0 ? "" : "\n");
        if (rf->mspace_submissions_left >= 0 && rf->mspace_ms_left >= 0) {
            fprintf(out, ", at this rate for %s more",
                    ml_format_duration(rf->mspace_ms_left, up, sizeof(up)));
            if (start >= 0 && rf->uptime_ms >= 0)
                fprintf(out, " (until about %s)",
                        ml_format_iso8601(start + rf->uptime_ms + rf->mspace_ms_left, iso,
                                          sizeof(iso)));
            fputc('\n', out);
        }
        if (rf->mspace_advice != NULL)
            fprintf(out, "  advice: %s\n", rf->mspace_advice);
    }
    if (ml_undecided(rf, undecided, sizeof(undecided)))
        fprintf(out, "  undecided: %s\n", undecided);
    if (rf->loaders_suspect > 0)
        fprintf(out, "  suspect: %" PRId64 " live loader(s) superseded by a newer one with the "
                     "same jars and idle since (not closed: a leak in the making?)\n",
                rf->loaders_suspect);
    if (rf->loaders_shadowing > 0)
        fprintf(out, "  shadowing: %" PRId64 " loader(s) define %" PRId64 " class(es) that a "
                     "parent also defines (child-first duplicates; see shadowed_classes)\n",
                rf->loaders_shadowing, rf->shadowed_classes);
    if (rf->lambdas > 0 || rf->proxies > 0 || rf->reflection_loaders > 0)
        fprintf(out, "  not leaks: %" PRId64 " lambda and %" PRId64 " proxy classes, %" PRId64
                     " reflection accessor loaders live\n",
                rf->lambdas < 0 ? 0 : rf->lambdas, rf->proxies < 0 ? 0 : rf->proxies,
                rf->reflection_loaders < 0 ? 0 : rf->reflection_loaders);
}

/* "jobs: ThreadLeakJob (id, id), other-id": the group's jobs, named where a job-names file
 * names them, each name once with its submissions' ids. */
static void print_jobs(const struct ml_lgroup *g, const struct ml_jobnames *jn, FILE *out)
{
    bool *done;

    if (g->n_jobs == 0)
        return;
    done = calloc(g->n_jobs, sizeof(*done));
    if (done == NULL)
        return;
    fputs("    jobs:", out);
    for (size_t i = 0; i < g->n_jobs && i < MAX_JOBS; i++) {
        const char *name = ml_jobnames_find(jn, g->jobs[i]);
        size_t shown = 0, more = 0;

        if (done[i])
            continue;
        fprintf(out, "%s", i ? ", " : " ");
        if (name == NULL) {
            fputs(g->jobs[i], out);
            continue;
        }
        fprintf(out, "%s (", name);
        for (size_t j = i; j < g->n_jobs && j < MAX_JOBS; j++) {
            const char *other = ml_jobnames_find(jn, g->jobs[j]);

            if (done[j] || other == NULL || strcmp(other, name) != 0)
                continue;
            done[j] = true;
            if (shown < MAX_SHOWN)
                fprintf(out, "%s%s", shown++ ? " " : "", g->jobs[j]);
            else
                more++;
        }
        if (more > 0)
            fprintf(out, " and %zu more", more);
        fputc(')', out);
    }
    if (g->n_jobs > MAX_JOBS)
        fprintf(out, ", and %zu more jobs", g->n_jobs - MAX_JOBS);
    fputc('\n', out);
    free(done);
}

static void print_group(const struct ml_lgroup *g, const struct ml_rfile *rfs, size_t n,
                        const struct ml_jobnames *jn, FILE *out)
{
    const struct ml_rleak *ex = g->example;
    const struct ml_rfile *exrf = &rfs[g->example_report];
    char size[32], t1[96], t2[96], lb[1024];

    fprintf(out, "\n  %" PRIu64 " x %s%s  cause: %s", g->loaders, ex->class_name,
            g->mixed_classes ? " (and other loader classes)" : "",
            g->cause ? g->cause : "not explained yet");
    if (g->metaspace_bytes >= 0)
        fprintf(out, "  holds %s of Metaspace", ml_format_size(g->metaspace_bytes, size,
                                                                sizeof(size)));
    fputc('\n', out);
    print_jobs(g, jn, out);
    fprintf(out, "    %" PRIu64 " classes live", g->classes_live);
    if (g->still_alive != g->loaders)
        fprintf(out, ", %" PRIu64 " released later (unloaded after the proof)",
                g->loaders - g->still_alive);
    fputs("; loaders", out);
    for (size_t i = 0; i < g->n_members && i < MAX_SHOWN; i++) {
        const struct ml_rleak *l = &rfs[g->members[i].report].leaks[g->members[i].leak];

        fprintf(out, "%s%s (id %" PRIu64 ")", i ? ", " : " ",
                ml_loader_label(l->name, l->class_name, l->identity_hash, lb, sizeof(lb)),
                l->loader_id);
    }
    if (g->n_members > MAX_SHOWN)
        fprintf(out, ", and %zu more", g->n_members - MAX_SHOWN);
    fputc('\n', out);
    if (ex->n_urls > 0)
        fprintf(out, "    jar: %s%s\n", ex->urls[0], ex->n_urls > 1 ? " (and more)" : "");
    if (ex->path_line != NULL)
        fprintf(out, "    path: %s\n", ex->path_line);
    if (g->known != NULL) {
        fprintf(out, "    known leak: %s", g->known->id);
        if (g->known->title != NULL)
            fprintf(out, " - %s", g->known->title);
        if (g->known->library != NULL)
            fprintf(out, " (%s)", g->known->library);
        fprintf(out, "; fixed in %s", g->known->fixed_in ? g->known->fixed_in : "no release yet");
        for (size_t i = 0; i < g->known->n_references; i++)
            fprintf(out, "%s%s", i ? ", " : "; see ", g->known->references[i]);
        fputc('\n', out);
        if (g->known->advice != NULL)
            fprintf(out, "    workaround: %s\n", g->known->advice);
    }
    if (g->known != NULL) {
        /* the known leak's workaround is above: the cause's general advice only */
        const char *general = ml_advice_beyond_known(ex->advice, g->known);

        if (general != NULL)
            fprintf(out, "    in general: %s\n", general);
    } else if (ex->advice != NULL) {
        fprintf(out, "    fix: %s\n", ex->advice);
    }
    fprintf(out, "    proof: %s after %" PRIu64 " full collection(s), closed at %s",
            ex->proof ? ex->proof : "?", ex->gcs_since_close,
            ml_format_jvm_time(exrf, ex->closed_ms, t1, sizeof(t1)));
    if (ex->leaked_ms >= 0)
        fprintf(out, ", leaked at %s", ml_format_jvm_time(exrf, ex->leaked_ms, t2, sizeof(t2)));
    fputc('\n', out);
    if (n > 1) {
        fputs("    from:", out);
        for (size_t r = 0; r < n; r++) {
            if (g->in_report[r])
                fprintf(out, " %s", label(&rfs[r], lb, sizeof(lb)));
        }
        fputc('\n', out);
    }
}

static int by_metaspace(const void *a, const void *b)
{
    const struct ml_rloader *x = *(const struct ml_rloader *const *)a;
    const struct ml_rloader *y = *(const struct ml_rloader *const *)b;

    if (x->metaspace_bytes != y->metaspace_bytes)
        return x->metaspace_bytes < y->metaspace_bytes ? 1 : -1;
    return x->classes_live < y->classes_live ? 1 : x->classes_live > y->classes_live ? -1 : 0;
}

static void print_top(const struct ml_rfile *rf, const struct ml_jobnames *jn, FILE *out)
{
    const struct ml_rloader **sorted = malloc((rf->n_loaders + 1) * sizeof(*sorted));
    size_t n = 0;
    bool bytes = false;

    if (sorted == NULL)
        return;
    for (size_t i = 0; i < rf->n_loaders; i++) {
        if (strcmp(rf->loaders[i].state, "unloaded") != 0 && rf->loaders[i].id != 0) {
            sorted[n++] = &rf->loaders[i];
            bytes = bytes || rf->loaders[i].metaspace_bytes >= 0;
        }
    }
    qsort(sorted, n, sizeof(*sorted), by_metaspace);
    fprintf(out, "\n  top loaders by %s in %s (bootstrap excluded):\n",
            bytes ? "Metaspace" : "live classes", rf->path);
    for (size_t i = 0; i < n && i < TOP_LOADERS; i++) {
        const struct ml_rloader *l = sorted[i];
        const char *job = ml_jobnames_find(jn, l->job_id);
        char size[32], lb[1024];

        fprintf(out, "    %-8s %6" PRIu64 " classes %10s  %s", l->state, l->classes_live,
                l->metaspace_bytes >= 0 ? ml_format_size(l->metaspace_bytes, size, sizeof(size))
                                        : "",
                ml_loader_label(l->name, l->class_name, l->identity_hash, lb, sizeof(lb)));
        if (l->job_id != NULL)
            fprintf(out, "  job %s%s%s%s", job ? job : "", job ? " (" : "", l->job_id,
                    job ? ")" : "");
        fputc('\n', out);
    }
    free((void *)sorted);
}

static cJSON *str_or_null(const char *s)
{
    return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *num_or_null(int64_t v)
{
    return v >= 0 ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

static cJSON *time_or_null(int64_t epoch_ms)
{
    char iso[40];

    return epoch_ms >= 0 ? cJSON_CreateString(ml_format_iso8601(epoch_ms, iso, sizeof(iso)))
                         : cJSON_CreateNull();
}

static cJSON *known_json(const struct ml_rknown *k)
{
    cJSON *o, *refs;

    if (k == NULL)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", k->id);
    cJSON_AddItemToObject(o, "library", str_or_null(k->library));
    cJSON_AddItemToObject(o, "title", str_or_null(k->title));
    cJSON_AddItemToObject(o, "fixed_in", str_or_null(k->fixed_in));
    cJSON_AddItemToObject(o, "advice", str_or_null(k->advice));
    refs = cJSON_AddArrayToObject(o, "references");
    for (size_t i = 0; refs != NULL && i < k->n_references; i++)
        cJSON_AddItemToArray(refs, cJSON_CreateString(k->references[i]));
    return o;
}

static cJSON *group_json(const struct ml_lgroup *g, const struct ml_rfile *rfs, size_t n,
                         const struct ml_jobnames *jn)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ids, *from, *jobs;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "key", g->key);
    cJSON_AddItemToObject(o, "signature", str_or_null(g->signature));
    cJSON_AddItemToObject(o, "known", known_json(g->known));
    cJSON_AddItemToObject(o, "job_id", str_or_null(g->n_jobs == 1 ? g->jobs[0] : NULL));
    jobs = cJSON_AddArrayToObject(o, "jobs");
    for (size_t i = 0; jobs != NULL && i < g->n_jobs; i++) {
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "id", g->jobs[i]);
        cJSON_AddItemToObject(j, "name", str_or_null(ml_jobnames_find(jn, g->jobs[i])));
        cJSON_AddItemToArray(jobs, j);
    }
    cJSON_AddItemToObject(o, "cause", str_or_null(g->cause));
    cJSON_AddStringToObject(o, "class", g->example->class_name);
    cJSON_AddNumberToObject(o, "loaders", (double)g->loaders);
    cJSON_AddNumberToObject(o, "classes_live", (double)g->classes_live);
    cJSON_AddItemToObject(o, "metaspace_bytes", num_or_null(g->metaspace_bytes));
    cJSON_AddItemToObject(o, "path_summary", str_or_null(g->example->path_line));
    cJSON_AddItemToObject(o, "shape", str_or_null(g->shape));
    cJSON_AddItemToObject(o, "advice", str_or_null(g->example->advice));
    ids = cJSON_AddArrayToObject(o, "loader_ids");
    for (size_t i = 0; ids != NULL && i < g->n_members; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber(
                                      (double)rfs[g->members[i].report].leaks[g->members[i].leak]
                                          .loader_id));
    from = cJSON_AddArrayToObject(o, "reports");
    for (size_t r = 0; from != NULL && r < n; r++) {
        if (g->in_report[r])
            cJSON_AddItemToArray(from, cJSON_CreateString(rfs[r].path));
    }
    return o;
}

static int print_json(const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs,
                      const struct ml_jobnames *jn, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *reports, *groups;
    uint64_t leaked = 0;
    char action[1024], undecided[1024];
    char *text;

    if (root == NULL)
        return ML_EXIT_FAIL;
    cJSON_AddStringToObject(root, "schema", ML_SUMMARY_SCHEMA);
    cJSON_AddStringToObject(root, "worst_verdict", ml_worst_name(ml_worst_verdict(rfs, n, NULL)));
    cJSON_AddStringToObject(root, "first_action", ml_first_action(rfs, n, gs, action,
                                                                  sizeof(action)));
    cJSON_AddNumberToObject(root, "metaspace_oom_errors", (double)ml_oom_total(rfs, n));
    reports = cJSON_AddArrayToObject(root, "reports");
    groups = cJSON_AddArrayToObject(root, "leak_groups");
    for (size_t r = 0; reports != NULL && r < n; r++) {
        cJSON *o = cJSON_CreateObject();
        int64_t start = ml_report_start_epoch(&rfs[r]);

        cJSON_AddStringToObject(o, "file", rfs[r].path);
        cJSON_AddNumberToObject(o, "pid", (double)rfs[r].pid);
        cJSON_AddStringToObject(o, "trigger", rfs[r].trigger);
        cJSON_AddStringToObject(o, "generated_at", rfs[r].generated_at);
        cJSON_AddItemToObject(o, "jvm_started_at", time_or_null(start));
        cJSON_AddItemToObject(o, "uptime_ms", num_or_null(rfs[r].uptime_ms));
        cJSON_AddNumberToObject(o, "leaked_loaders", (double)rfs[r].leaked_loaders);
        cJSON_AddNumberToObject(o, "loaders_live", (double)rfs[r].loaders_live);
        cJSON_AddNumberToObject(o, "classes_live", (double)rfs[r].classes_live);
        cJSON_AddItemToObject(o, "metaspace_used_bytes", num_or_null(rfs[r].metaspace_used));
        cJSON_AddItemToObject(o, "metaspace_max_bytes", num_or_null(rfs[r].metaspace_max));
        cJSON_AddItemToObject(o, "metaspace_verdict", str_or_null(rfs[r].mspace_verdict));
        cJSON_AddItemToObject(o, "submissions_left", num_or_null(rfs[r].mspace_submissions_left));
        cJSON_AddItemToObject(o, "ms_left", num_or_null(rfs[r].mspace_ms_left));
        cJSON_AddNumberToObject(o, "metaspace_oom_errors", (double)rfs[r].oom_count);
        cJSON_AddItemToObject(o, "first_oom_at",
                              time_or_null(rfs[r].oom_count > 0 && start >= 0 &&
                                                   rfs[r].oom_first_ms >= 0
                                               ? start + rfs[r].oom_first_ms
                                               : -1));
        cJSON_AddItemToObject(o, "undecided",
                              ml_undecided(&rfs[r], undecided, sizeof(undecided))
                                  ? cJSON_CreateString(undecided)
                                  : cJSON_CreateNull());
        cJSON_AddItemToArray(reports, o);
        leaked += rfs[r].leaked_loaders;
    }
    for (size_t i = 0; groups != NULL && i < gs->n; i++)
        cJSON_AddItemToArray(groups, group_json(&gs->g[i], rfs, n, jn));
    cJSON_AddStringToObject(root, "verdict", leaked > 0 ? "leak" : "no-leak");
    cJSON_AddNumberToObject(root, "leaked_loaders", (double)leaked);
    text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        return ML_EXIT_FAIL;
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    return ML_EXIT_OK;
}

int ml_summary_print(const struct ml_rfile *rfs, size_t n, const struct ml_jobnames *jn,
                     bool json, FILE *out)
{
    struct ml_lgroups gs;
    int rc = ML_EXIT_OK;

    if (ml_lgroups_build(rfs, n, &gs) != 0)
        return ML_EXIT_FAIL;
    if (json) {
        rc = print_json(rfs, n, &gs, jn, out);
        ml_lgroups_release(&gs);
        return rc;
    }
    print_verdict(rfs, n, &gs, out);
    for (size_t r = 0; r < n; r++)
        print_header(&rfs[r], out);
    if (gs.n > 0)
        fprintf(out, "\nleaks, one block per leak (%zu), largest first:\n", gs.n);
    for (size_t i = 0; i < gs.n; i++)
        print_group(&gs.g[i], rfs, n, jn, out);
    for (size_t r = 0; r < n; r++)
        print_top(&rfs[r], jn, out);
    ml_lgroups_release(&gs);
    return rc;
}
