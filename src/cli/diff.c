/* `metaleak diff OLD NEW`: what changed. Two reports of the same JVM are matched loader by
 * loader (ids are stable within a run); reports of different JVMs are matched by the shape of
 * a leak (loader class, cause, first jar), since ids and job ids differ between runs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/sizes.h"

static const char *jar_name(const struct ml_rleak *l)
{
    const char *slash;

    if (l->n_urls == 0)
        return "";
    slash = strrchr(l->urls[0], '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : l->urls[0];
}

static bool same_shape(const struct ml_rleak *a, const struct ml_rleak *b)
{
    return strcmp(a->class_name, b->class_name) == 0 &&
           ((a->cause == NULL && b->cause == NULL) ||
            (a->cause != NULL && b->cause != NULL && strcmp(a->cause, b->cause) == 0)) &&
           strcmp(jar_name(a), jar_name(b)) == 0;
}

static bool has_leak_id(const struct ml_rfile *rf, uint64_t id)
{
    for (size_t i = 0; i < rf->n_leaks; i++) {
        if (rf->leaks[i].loader_id == id)
            return true;
    }
    return false;
}

static size_t count_shape(const struct ml_rfile *rf, const struct ml_rleak *like)
{
    size_t n = 0;

    for (size_t i = 0; i < rf->n_leaks; i++)
        n += same_shape(&rf->leaks[i], like);
    return n;
}

static void print_leak(FILE *out, const char *mark, const struct ml_rleak *l)
{
    fprintf(out, "  %s loader %" PRIu64 " %s@%s%s%s cause %s, %" PRIu64 " classes%s%s\n", mark,
            l->loader_id, l->class_name, l->identity_hash ? l->identity_hash : "?",
            l->job_id ? " job " : "", l->job_id ? l->job_id : "", l->cause ? l->cause : "-",
            l->classes_live, l->n_urls ? ", jar " : "", jar_name(l));
}

static const struct ml_rloader *find_loader(const struct ml_rfile *rf, uint64_t id)
{
    for (size_t i = 0; i < rf->n_loaders; i++) {
        if (rf->loaders[i].id == id)
            return &rf->loaders[i];
    }
    return NULL;
}

static void same_run(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    fprintf(out, "same JVM (pid %ld): matching loaders by id\n", n->pid);
    for (size_t i = 0; i < n->n_leaks; i++) {
        if (!has_leak_id(o, n->leaks[i].loader_id))
            print_leak(out, "new  ", &n->leaks[i]);
    }
    for (size_t i = 0; i < o->n_leaks; i++) {
        if (!has_leak_id(n, o->leaks[i].loader_id))
            print_leak(out, "gone ", &o->leaks[i]);
    }
    for (size_t i = 0; i < n->n_loaders; i++) {
        const struct ml_rloader *nl = &n->loaders[i];
        const struct ml_rloader *ol = find_loader(o, nl->id);

        if (ol == NULL || ol->classes_live == nl->classes_live)
            continue;
        fprintf(out, "  grew  loader %" PRIu64 " %s: %" PRIu64 " -> %" PRIu64 " classes live\n",
                nl->id, nl->class_name, ol->classes_live, nl->classes_live);
    }
}

static void other_run(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    fprintf(out, "different JVMs (pid %ld -> %ld): matching leaks by class, cause and jar\n",
            o->pid, n->pid);
    for (size_t i = 0; i < n->n_leaks; i++) {
        const struct ml_rleak *l = &n->leaks[i];
        size_t before = count_shape(o, l), after = count_shape(n, l);
        bool first = true;

        for (size_t j = 0; j < i; j++)
            first = first && !same_shape(&n->leaks[j], l);
        if (!first)
            continue;
        if (before == 0)
            fprintf(out, "  new   %zu x ", after);
        else if (after != before)
            fprintf(out, "  %s  %zu -> %zu x ", after > before ? "more " : "fewer", before, after);
        else
            continue;
        fprintf(out, "%s cause %s jar %s\n", l->class_name, l->cause ? l->cause : "-",
                jar_name(l));
    }
    for (size_t i = 0; i < o->n_leaks; i++) {
        const struct ml_rleak *l = &o->leaks[i];
        bool first = true;

        for (size_t j = 0; j < i; j++)
            first = first && !same_shape(&o->leaks[j], l);
        if (first && count_shape(n, l) == 0)
            fprintf(out, "  fixed %zu x %s cause %s jar %s\n", count_shape(o, l), l->class_name,
                    l->cause ? l->cause : "-", jar_name(l));
    }
}

int ml_diff_print(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    char a[32], b[32];

    fprintf(out, "leaked loaders: %" PRIu64 " -> %" PRIu64 "\n", o->leaked_loaders,
            n->leaked_loaders);
    fprintf(out, "classes live:   %" PRIu64 " -> %" PRIu64 "\n", o->classes_live,
            n->classes_live);
    fprintf(out, "Metaspace used: %s -> %s\n", ml_format_size(o->metaspace_used, a, sizeof(a)),
            ml_format_size(n->metaspace_used, b, sizeof(b)));
    /* In containers every JVM is pid 1: the start time tells runs apart. */
    if (o->pid == n->pid && (o->start_epoch_ms < 0 || n->start_epoch_ms < 0 ||
                             llabs(o->start_epoch_ms - n->start_epoch_ms) < 2000))
        same_run(o, n, out);
    else
        other_run(o, n, out);
    return ML_EXIT_OK;
}
