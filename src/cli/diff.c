/* `metaleak diff OLD NEW`: what changed. Two reports of the same JVM are matched loader by
 * loader (ids are stable within a run); reports of different JVMs are matched by the kind of
 * a leak (leakgroup.h's key: signature, path shape, or loader class, cause and jar), since ids
 * and job ids differ between runs. Exit 1 when NEW has new leaks, like diff(1). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/leakgroup.h"
#include "metaleak/sizes.h"

static const char *jar_name(const struct ml_rleak *l)
{
    const char *slash;

    if (l->n_urls == 0)
        return "";
    slash = strrchr(l->urls[0], '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : l->urls[0];
}

static bool has_leak_id(const struct ml_rfile *rf, uint64_t id)
{
    for (size_t i = 0; i < rf->n_leaks; i++) {
        if (rf->leaks[i].loader_id == id)
            return true;
    }
    return false;
}

/* The grouping key of every leak of rf (leakgroup.h); NULL on out of memory. */
static char **keys_of(const struct ml_rfile *rf)
{
    char **keys = calloc(rf->n_leaks + 1, sizeof(*keys));

    for (size_t i = 0; keys != NULL && i < rf->n_leaks; i++) {
        keys[i] = ml_leak_key(rf, &rf->leaks[i]);
        if (keys[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(keys[j]);
            free(keys);
            return NULL;
        }
    }
    return keys;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; keys != NULL && i < n; i++)
        free(keys[i]);
    free(keys);
}

static size_t count_key(char **keys, size_t n, const char *key)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += strcmp(keys[i], key) == 0;
    return c;
}

/* True when keys[i] is the first of its kind. */
static bool first_of_kind(char **keys, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(keys[j], keys[i]) == 0)
            return false;
    }
    return true;
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

/* Returns the number of new leaks. */
static size_t same_run(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    size_t added = 0;

    fprintf(out, "same JVM (pid %ld): matching loaders by id\n", n->pid);
    for (size_t i = 0; i < n->n_leaks; i++) {
        if (!has_leak_id(o, n->leaks[i].loader_id)) {
            print_leak(out, "new  ", &n->leaks[i]);
            added++;
        }
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
    return added;
}

/* Returns the number of new leaks (of new kinds, or more of a kind), or -1 when out of
 * memory. */
static long other_run(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    char **ok = keys_of(o), **nk = keys_of(n);
    long added = 0;

    if (ok == NULL || nk == NULL) {
        free_keys(ok, o->n_leaks);
        free_keys(nk, n->n_leaks);
        return -1;
    }
    fprintf(out, "different JVMs (pid %ld -> %ld): matching leaks by kind (signature, path "
                 "shape, or loader class, cause and jar)\n",
            o->pid, n->pid);
    for (size_t i = 0; i < n->n_leaks; i++) {
        const struct ml_rleak *l = &n->leaks[i];
        size_t before, after;

        if (!first_of_kind(nk, i))
            continue;
        before = count_key(ok, o->n_leaks, nk[i]);
        after = count_key(nk, n->n_leaks, nk[i]);
        if (before == 0)
            fprintf(out, "  new   %zu x ", after);
        else if (after != before)
            fprintf(out, "  %s  %zu -> %zu x ", after > before ? "more " : "fewer", before, after);
        else
            continue;
        if (after > before)
            added += (long)(after - before);
        fprintf(out, "%s cause %s jar %s\n", l->class_name, l->cause ? l->cause : "-",
                jar_name(l));
        if (l->path_line != NULL)
            fprintf(out, "        path: %s\n", l->path_line);
    }
    for (size_t i = 0; i < o->n_leaks; i++) {
        const struct ml_rleak *l = &o->leaks[i];

        if (first_of_kind(ok, i) && count_key(nk, n->n_leaks, ok[i]) == 0)
            fprintf(out, "  fixed %zu x %s cause %s jar %s\n", count_key(ok, o->n_leaks, ok[i]),
                    l->class_name, l->cause ? l->cause : "-", jar_name(l));
    }
    free_keys(ok, o->n_leaks);
    free_keys(nk, n->n_leaks);
    return added;
}

int ml_diff_print(const struct ml_rfile *o, const struct ml_rfile *n, FILE *out)
{
    char a[32], b[32];
    long added;

    fprintf(out, "leaked loaders: %" PRIu64 " -> %" PRIu64 "\n", o->leaked_loaders,
            n->leaked_loaders);
    fprintf(out, "classes live:   %" PRIu64 " -> %" PRIu64 "\n", o->classes_live,
            n->classes_live);
    fprintf(out, "Metaspace used: %s -> %s\n", ml_format_size(o->metaspace_used, a, sizeof(a)),
            ml_format_size(n->metaspace_used, b, sizeof(b)));
    /* In containers every JVM is pid 1: the start time tells runs apart. */
    if (o->pid == n->pid && (o->start_epoch_ms < 0 || n->start_epoch_ms < 0 ||
                             llabs(o->start_epoch_ms - n->start_epoch_ms) < 2000))
        added = (long)same_run(o, n, out);
    else
        added = other_run(o, n, out);
    if (added < 0) {
        fputs("metaleak diff: out of memory\n", stderr);
        return ML_EXIT_USAGE;
    }
    fprintf(out, "%ld new leaked loader(s)\n", added);
    return added > 0 ? ML_EXIT_FAIL : ML_EXIT_OK;
}
