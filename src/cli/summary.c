/* `metaleak summary`: what on-call reads first. Leaks are grouped by job, cause and loader
 * class across every report given (one per TaskManager), and each group names the reports
 * it comes from. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/sizes.h"

#define MAX_GROUPS 512
#define MAX_IDS_SHOWN 8
#define TOP_LOADERS 5

struct group {
    const char *job_id;       /* NULL = none */
    const char *cause;        /* NULL = not explained */
    const char *class_name;
    const struct ml_rleak *example;
    uint64_t loaders;
    uint64_t classes_live;
    int64_t metaspace_bytes;  /* -1 when no leak of the group has a number */
    uint64_t still_alive;     /* not unloaded since */
    uint64_t ids[MAX_IDS_SHOWN];
    size_t n_ids;
    unsigned report_mask;     /* which reports (first 32) */
};

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Returns the number of groups. */
static size_t build_groups(const struct ml_rfile *rfs, size_t n, struct group *g)
{
    size_t ng = 0;

    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < rfs[r].n_leaks; i++) {
            const struct ml_rleak *l = &rfs[r].leaks[i];
            size_t k;

            for (k = 0; k < ng; k++) {
                if (same(g[k].job_id, l->job_id) && same(g[k].cause, l->cause) &&
                    same(g[k].class_name, l->class_name))
                    break;
            }
            if (k == ng) {
                if (ng == MAX_GROUPS)
                    continue;
                memset(&g[k], 0, sizeof(g[k]));
                g[k].job_id = l->job_id;
                g[k].cause = l->cause;
                g[k].class_name = l->class_name;
                g[k].example = l;
                g[k].metaspace_bytes = -1;
                ng++;
            }
            g[k].loaders++;
            g[k].classes_live += l->classes_live;
            if (l->metaspace_bytes >= 0)
                g[k].metaspace_bytes = (g[k].metaspace_bytes < 0 ? 0 : g[k].metaspace_bytes) +
                                       l->metaspace_bytes;
            if (l->unloaded_ms < 0)
                g[k].still_alive++;
            if (g[k].n_ids < MAX_IDS_SHOWN)
                g[k].ids[g[k].n_ids++] = l->loader_id;
            if (r < 32)
                g[k].report_mask |= 1u << r;
        }
    }
    return ng;
}

static const char *label(const struct ml_rfile *rf, char *buf, size_t len)
{
    snprintf(buf, len, "%s (pid %ld)", rf->path, rf->pid);
    return buf;
}

static void print_header(const struct ml_rfile *rf, FILE *out)
{
    char used[32], max[32], lb[600];

    fprintf(out, "%s: %s %s, up %" PRId64 " s, trigger %s at %s\n", label(rf, lb, sizeof(lb)),
            rf->vm_name ? rf->vm_name : "JVM", rf->java_version ? rf->java_version : "?",
            rf->uptime_ms < 0 ? 0 : rf->uptime_ms / 1000, rf->trigger, rf->generated_at);
    fprintf(out, "  %" PRIu64 " leaked loaders, %" PRIu64 " live, %" PRIu64
                 " unloaded; %" PRIu64 " classes live; Metaspace %s used",
            rf->leaked_loaders, rf->loaders_live, rf->loaders_unloaded, rf->classes_live,
            ml_format_size(rf->metaspace_used, used, sizeof(used)));
    if (rf->metaspace_max >= 0)
        fprintf(out, " of %s max", ml_format_size(rf->metaspace_max, max, sizeof(max)));
    fputc('\n', out);
    if (rf->oom_count > 0)
        fprintf(out, "  OutOfMemoryError: %s %" PRId64 " time(s), first at %" PRId64
                     " s after JVM start\n",
                strcmp(rf->oom_space ? rf->oom_space : "", "compressed-class-space") == 0
                    ? "Compressed class space" : "Metaspace",
                rf->oom_count, rf->oom_first_ms / 1000);
    if (rf->mspace_verdict != NULL) {
        fprintf(out, "  Metaspace: %s%s%s\n", rf->mspace_verdict, rf->mspace_reason ? " - " : "",
                rf->mspace_reason ? rf->mspace_reason : "");
        if (rf->mspace_submissions_left >= 0)
            fprintf(out, "  forecast: about %" PRId64 " more leaking submissions fit (%s each)%s",
                    rf->mspace_submissions_left,
                    ml_format_size(rf->mspace_bytes_per_leak, used, sizeof(used)),
                    rf->mspace_ms_left >= 0 ? "" : "\n");
        if (rf->mspace_submissions_left >= 0 && rf->mspace_ms_left >= 0)
            fprintf(out, ", at this rate for %" PRId64 " more minutes\n", rf->mspace_ms_left / 60000);
        if (rf->mspace_advice != NULL)
            fprintf(out, "  advice: %s\n", rf->mspace_advice);
    }
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

static void print_group(const struct group *g, const struct ml_rfile *rfs, size_t n, FILE *out)
{
    const struct ml_rleak *ex = g->example;
    char size[32];

    fprintf(out, "\n  %" PRIu64 " x %s", g->loaders, g->class_name);
    if (g->job_id != NULL)
        fprintf(out, "  job %s", g->job_id);
    fprintf(out, "  cause: %s\n", g->cause ? g->cause : "not explained yet");
    fprintf(out, "    %" PRIu64 " classes live", g->classes_live);
    if (g->metaspace_bytes >= 0)
        fprintf(out, ", %s Metaspace", ml_format_size(g->metaspace_bytes, size, sizeof(size)));
    if (g->still_alive != g->loaders)
        fprintf(out, ", %" PRIu64 " released later (unloaded after the proof)",
                g->loaders - g->still_alive);
    fputs("; loader ids", out);
    for (size_t i = 0; i < g->n_ids; i++)
        fprintf(out, "%s%" PRIu64, i ? "," : " ", g->ids[i]);
    if (g->loaders > g->n_ids)
        fputs(",...", out);
    fputc('\n', out);
    if (ex->n_urls > 0)
        fprintf(out, "    jar: %s%s\n", ex->urls[0], ex->n_urls > 1 ? " (and more)" : "");
    if (ex->path_line != NULL)
        fprintf(out, "    path: %s\n", ex->path_line);
    if (ex->advice != NULL)
        fprintf(out, "    fix: %s\n", ex->advice);
    fprintf(out, "    proof: %s after %" PRIu64 " full collection(s), closed at %" PRId64 " ms\n",
            ex->proof ? ex->proof : "?", ex->gcs_since_close, ex->closed_ms);
    if (n > 1) {
        char lb[600];

        fputs("    from:", out);
        for (size_t r = 0; r < n && r < 32; r++) {
            if (g->report_mask & (1u << r))
                fprintf(out, " %s", label(&rfs[r], lb, sizeof(lb)));
        }
        fputc('\n', out);
    }
}

static int by_classes(const void *a, const void *b)
{
    const struct ml_rloader *x = *(const struct ml_rloader *const *)a;
    const struct ml_rloader *y = *(const struct ml_rloader *const *)b;

    if (x->metaspace_bytes != y->metaspace_bytes)
        return x->metaspace_bytes < y->metaspace_bytes ? 1 : -1;
    return x->classes_live < y->classes_live ? 1 : x->classes_live > y->classes_live ? -1 : 0;
}

static void print_top(const struct ml_rfile *rf, FILE *out)
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
    qsort(sorted, n, sizeof(*sorted), by_classes);
    fprintf(out, "\n  top loaders by %s (bootstrap excluded):\n",
            bytes ? "Metaspace" : "live classes");
    for (size_t i = 0; i < n && i < TOP_LOADERS; i++) {
        char size[32];

        fprintf(out, "    %-8s %6" PRIu64 " classes %10s  %s@%s%s%s\n", sorted[i]->state,
                sorted[i]->classes_live,
                sorted[i]->metaspace_bytes >= 0
                    ? ml_format_size(sorted[i]->metaspace_bytes, size, sizeof(size))
                    : "",
                sorted[i]->class_name, sorted[i]->identity_hash ? sorted[i]->identity_hash : "?",
                sorted[i]->job_id ? "  job " : "", sorted[i]->job_id ? sorted[i]->job_id : "");
    }
    free((void *)sorted);
}

static cJSON *group_json(const struct group *g, const struct ml_rfile *rfs, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ids, *from;

    if (o == NULL)
        return NULL;
    cJSON_AddItemToObject(o, "job_id", g->job_id ? cJSON_CreateString(g->job_id)
                                                 : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "cause", g->cause ? cJSON_CreateString(g->cause)
                                               : cJSON_CreateNull());
    cJSON_AddStringToObject(o, "class", g->class_name);
    cJSON_AddNumberToObject(o, "loaders", (double)g->loaders);
    cJSON_AddNumberToObject(o, "classes_live", (double)g->classes_live);
    cJSON_AddItemToObject(o, "metaspace_bytes", g->metaspace_bytes >= 0
                                                    ? cJSON_CreateNumber((double)g->metaspace_bytes)
                                                    : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "advice", g->example->advice ? cJSON_CreateString(g->example->advice)
                                                          : cJSON_CreateNull());
    ids = cJSON_AddArrayToObject(o, "loader_ids");
    for (size_t i = 0; ids != NULL && i < g->n_ids; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)g->ids[i]));
    from = cJSON_AddArrayToObject(o, "reports");
    for (size_t r = 0; from != NULL && r < n && r < 32; r++) {
        if (g->report_mask & (1u << r))
            cJSON_AddItemToArray(from, cJSON_CreateString(rfs[r].path));
    }
    return o;
}

static int print_json(const struct ml_rfile *rfs, size_t n, const struct group *g, size_t ng,
                      FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *reports = cJSON_AddArrayToObject(root, "reports");
    cJSON *groups = cJSON_AddArrayToObject(root, "leak_groups");
    uint64_t leaked = 0;
    char *text;

    for (size_t r = 0; reports != NULL && r < n; r++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "file", rfs[r].path);
        cJSON_AddNumberToObject(o, "pid", (double)rfs[r].pid);
        cJSON_AddStringToObject(o, "trigger", rfs[r].trigger);
        cJSON_AddStringToObject(o, "generated_at", rfs[r].generated_at);
        cJSON_AddNumberToObject(o, "leaked_loaders", (double)rfs[r].leaked_loaders);
        cJSON_AddNumberToObject(o, "loaders_live", (double)rfs[r].loaders_live);
        cJSON_AddNumberToObject(o, "classes_live", (double)rfs[r].classes_live);
        cJSON_AddItemToObject(o, "metaspace_used_bytes",
                              rfs[r].metaspace_used >= 0
                                  ? cJSON_CreateNumber((double)rfs[r].metaspace_used)
                                  : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "metaspace_verdict",
                              rfs[r].mspace_verdict ? cJSON_CreateString(rfs[r].mspace_verdict)
                                                : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "submissions_left",
                              rfs[r].mspace_submissions_left >= 0
                                  ? cJSON_CreateNumber((double)rfs[r].mspace_submissions_left)
                                  : cJSON_CreateNull());
        cJSON_AddNumberToObject(o, "metaspace_oom_errors", (double)rfs[r].oom_count);
        cJSON_AddItemToArray(reports, o);
        leaked += rfs[r].leaked_loaders;
    }
    for (size_t i = 0; groups != NULL && i < ng; i++)
        cJSON_AddItemToArray(groups, group_json(&g[i], rfs, n));
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

int ml_summary_print(const struct ml_rfile *rfs, size_t n, bool json, FILE *out)
{
    struct group *g = calloc(MAX_GROUPS, sizeof(*g));
    size_t ng;
    uint64_t leaked = 0;
    int rc = ML_EXIT_OK;

    if (g == NULL)
        return ML_EXIT_FAIL;
    ng = build_groups(rfs, n, g);
    for (size_t r = 0; r < n; r++)
        leaked += rfs[r].leaked_loaders;
    if (json) {
        rc = print_json(rfs, n, g, ng, out);
        free(g);
        return rc;
    }
    fprintf(out, "verdict: %s\n", leaked > 0 ? "LEAK" : "no leaked class loaders");
    for (size_t r = 0; r < n; r++)
        print_header(&rfs[r], out);
    if (ng > 0)
        fprintf(out, "\nleaked loaders, by job and cause:\n");
    for (size_t i = 0; i < ng; i++)
        print_group(&g[i], rfs, n, out);
    for (size_t r = 0; r < n; r++)
        print_top(&rfs[r], out);
    free(g);
    return rc;
}
