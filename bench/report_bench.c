/* report_bench: what a report costs and what the registry holds per loader, without a JVM.
 *
 * 1. Fills a registry with N loader records shaped like a Flink TaskManager's (class name of
 *    ChildFirstClassLoader, 2 blob-cache URLs, a job id, 100 classes each; 80 % live, 10 %
 *    closed, 10 % leaked) and measures the native memory this takes with glibc's mallinfo2
 *    (before/after), i.e. bytes per loader including its strings and the slot chunks.
 * 2. Renders the report (ml_report_render) `reps` times and prints the median and min time and
 *    the size of the JSON text; then writes it once with ml_write_atomic (what the agent does).
 * 3. Parses the output of `VM.metaspace show-loaders` and `VM.classloaders verbose` for the same
 *    number of loaders (what every report does for per-loader Metaspace bytes): synthetic text
 *    in the JDK 17 format, or real output captured with jcmd (metaspace=FILE tree=FILE).
 *
 * Usage: report_bench [loaders=10000] [reps=15] [out=/tmp/report_bench.json]
 *                     [metaspace=FILE] [tree=FILE] [parse=1|0]
 * Output: lines of key=value; the last starts with "RESULT ".
 *
 * The agent stores nothing per class: a class is counted in its loader's record (atomic
 * counters). Only hidden classes get a JVMTI tag (kept in the JVM's tag map, not in our memory).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "metaleak/atomicfile.h"
#include "metaleak/mspaceparse.h"
#include "metaleak/options.h"
#include "metaleak/registry.h"
#include "metaleak/reportrender.h"
#include "metaleak/verdict.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);

    if (d == NULL) {
        fprintf(stderr, "report_bench: out of memory\n");
        exit(1);
    }
    return d;
}

/* Fills one record the way the agent's worker would after inspecting a Flink user-code loader. */
static void fill(struct ml_registry *reg, struct ml_loader *l, uint32_t i)
{
    char url[512], job[33];

    snprintf(job, sizeof(job), "%08x%08x%08x%08x", i * 2654435761u, i ^ 0xdeadbeefu, i + 17u,
             i * 40503u);
    l->inspected = true;
    l->url_loader = true;
    l->class_name = xstrdup("org.apache.flink.util.ChildFirstClassLoader");
    l->name = NULL;
    l->has_hash = true;
    l->identity_hash = i * 2246822519u;
    l->parent_id = 1;
    snprintf(url, sizeof(url),
             "file:/tmp/flink-web-4b1c2e9a-3f51-4a8e-9d1b-0c2f6a7b8e91/blobStorage/job_%s/"
             "blob_p-%040x-%032x",
             job, i, i * 7u);
    ml_loader_add_url(reg, l, url);
    snprintf(url, sizeof(url), "file:/opt/flink/usrlib/job-%u-connectors.jar", i % 97u);
    ml_loader_add_url(reg, l, url);
    l->role = ML_ROLE_USER_CODE;
    l->order = ML_ORDER_CHILD_FIRST;
    memcpy(l->job_id, job, sizeof(job));
    atomic_store(&l->classes_defined, 100);
    atomic_store(&l->last_define_ms, 1000 + i);
    l->metaspace_bytes = 100 * 5200;
    if (i % 10 == 1) {
        ml_verdict_close(&l->verdict, 5000 + i, 3);
    } else if (i % 10 == 2) {
        ml_verdict_close(&l->verdict, 5000 + i, 3);
        ml_verdict_gc(&l->verdict, 4, 1, true, 6000 + i);
    }
}

/* A growing text buffer; exits when out of memory. */
struct buf {
    char *p;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len)
            break;
        b->cap = b->cap * 2 + (size_t)n + 4096;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL) {
            fprintf(stderr, "report_bench: out of memory\n");
            exit(1);
        }
    }
    b->len += (size_t)n;
}

static const char *ms_line(const char *what, const char *used)
{
    static char line[512];

    snprintf(line, sizeof(line),
             "%11s:    1 chunk,       8.00 KB capacity,    8.00 KB (100%%) committed,     %s "
             "( 65%%) used,     2.80 KB ( 35%%) free,     0 bytes (  0%%) waste , deallocated: 0 "
             "blocks with 0 bytes\n",
             what, used);
    return line;
}

/* `VM.metaspace show-loaders` text as JDK 17 prints it, for n loaders with one class each. */
static char *synth_metaspace(uint32_t n)
{
    struct buf b = {0};

    bprintf(&b, "%u:\n\nUsage per loader:\n\n", 4242u);
    for (uint32_t i = 0; i < n; i++) {
        bprintf(&b, "%5u: CLD 0x00007fd5%08x: \"bench-%u\" instance of DefineBench$BenchLoader, "
                    "1 class\n", i + 1, 0xaec00000u + i * 0x40u, i);
        bprintf(&b, "%s", ms_line("Non-Class", "5.20 KB"));
        bprintf(&b, "%s", ms_line("Class", "616 bytes"));
        bprintf(&b, "%s", ms_line("Both", "5.80 KB"));
        bprintf(&b, "\n");
    }
    bprintf(&b, "Total Usage - %u loaders, %u classes:\n%s\nVirtual space:\n%s\n", n, n,
            ms_line("Both", "58.00 MB"), "       Both:  1.00 GB reserved,  60.00 MB ( 6%) committed");
    return b.p;
}

/* `VM.classloaders verbose` text: n loaders below the app loader. */
static char *synth_tree(uint32_t n)
{
    struct buf b = {0};

    bprintf(&b, "4242:\n+-- <bootstrap>\n      |\n      |            Loader Oop: 0x0000000000000000\n"
                "      |           Loader Data: 0x00007fd5ac31ea30\n"
                "      |          Loader Klass: 0x0000000000000000\n      |\n"
                "      +-- \"app\", jdk.internal.loader.ClassLoaders$AppClassLoader\n"
                "            |\n            |            Loader Oop: 0x00000000ffe56098\n"
                "            |           Loader Data: 0x00007fd5ac34f7d0\n"
                "            |          Loader Klass: 0x00007fd53b07af08\n            |\n");
    for (uint32_t i = 0; i < n; i++)
        bprintf(&b, "            +-- \"bench-%u\", DefineBench$BenchLoader\n"
                    "            |           \n"
                    "            |                  Loader Oop: 0x00000000%08x\n"
                    "            |                 Loader Data: 0x00007fd5%08x\n"
                    "            |                Loader Klass: 0x00007fd53c000a08\n"
                    "            |           \n",
                i, 0xc00a0000u + i * 0x60u, 0xaec00000u + i * 0x40u);
    return b.p;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct buf b = {0};
    char chunk[65536];
    size_t n;

    if (f == NULL) {
        perror(path);
        exit(1);
    }
    bprintf(&b, "%s", "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        while (b.len + n + 1 > b.cap) {
            b.cap = b.cap * 2 + n + 1;
            b.p = realloc(b.p, b.cap);
            if (b.p == NULL)
                exit(1);
        }
        memcpy(b.p + b.len, chunk, n);
        b.len += n;
        b.p[b.len] = '\0';
    }
    fclose(f);
    return b.p;
}

int main(int argc, char **argv)
{
    uint32_t n = 10000, reps = 15;
    const char *out = "/tmp/report_bench.json";
    const char *ms_file = NULL, *tree_file = NULL;
    int do_parse = 1;
    struct ml_options opts;
    struct ml_report_meta meta;
    struct ml_registry *reg;
    size_t before, after_empty, after;
    double *t;
    char *text = NULL;
    size_t len = 0;
    char err[256];

    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "loaders=", 8) == 0)
            n = (uint32_t)strtoul(argv[i] + 8, NULL, 10);
        else if (strncmp(argv[i], "reps=", 5) == 0)
            reps = (uint32_t)strtoul(argv[i] + 5, NULL, 10);
        else if (strncmp(argv[i], "out=", 4) == 0)
            out = argv[i] + 4;
        else if (strncmp(argv[i], "metaspace=", 10) == 0)
            ms_file = argv[i] + 10;
        else if (strncmp(argv[i], "tree=", 5) == 0)
            tree_file = argv[i] + 5;
        else if (strncmp(argv[i], "parse=", 6) == 0)
            do_parse = atoi(argv[i] + 6);
        else {
            fprintf(stderr, "usage: report_bench [loaders=N] [reps=N] [out=PATH] "
                            "[metaspace=FILE] [tree=FILE] [parse=1|0]\n");
            return 2;
        }
    }
    if (reps == 0)
        reps = 1;

    ml_options_defaults(&opts);
    opts.interval_s = 0;
    opts.max_loaders = n + 16 > 100000 ? n + 16 : 100000; /* the default bound, or enough */
    before = heap_in_use();
    reg = ml_registry_new(opts.max_loaders, opts.history);
    after_empty = heap_in_use();
    if (reg == NULL)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        struct ml_loader *l = ml_registry_add(reg, 1000 + i);

        if (l == NULL) {
            fprintf(stderr, "report_bench: registry full at %u\n", i);
            return 1;
        }
        fill(reg, l, i);
    }
    after = heap_in_use();
    printf("sizeof_ml_loader=%zu registry_empty_bytes=%zu loaders=%u registry_bytes=%zu "
           "bytes_per_loader=%.1f\n",
           sizeof(struct ml_loader), after_empty - before, n, after - before,
           n ? (double)(after - after_empty) / n : 0.0);

    memset(&meta, 0, sizeof(meta));
    meta.trigger = "interval";
    meta.generated_at_epoch_ms = 1795000000000LL;
    meta.agent_version = "bench";
    meta.opts = &opts;
    meta.report_file = out;
    meta.pid = 4242;
    meta.java_version = "17.0.15";
    meta.vm_name = "OpenJDK 64-Bit Server VM";
    meta.uptime_ms = 3600000;
    meta.start_epoch_ms = 1794996400000LL;
    meta.collectors[0] = "G1 Young Generation";
    meta.collectors[1] = "G1 Old Generation";
    meta.n_collectors = 2;
    meta.full_collectors[0] = "G1 Old Generation";
    meta.n_full_collectors = 1;
    meta.full_gcs = 12;
    meta.gc_pauses = 340;
    meta.metaspace_used = 512LL << 20;
    meta.metaspace_committed = 530LL << 20;
    meta.metaspace_max = 1LL << 30;
    meta.class_space_used = 60LL << 20;
    meta.class_space_committed = 64LL << 20;
    meta.class_space_max = 1LL << 30;
    meta.metaspace_source = "bench";
    meta.hidden_class_bytes = -1;

    t = calloc(reps, sizeof(*t));
    if (t == NULL)
        return 1;
    for (uint32_t r = 0; r < reps; r++) {
        double t0 = now_ms();
        char *s = ml_report_render(reg, &meta);

        t[r] = now_ms() - t0;
        if (s == NULL) {
            fprintf(stderr, "report_bench: render failed\n");
            return 1;
        }
        if (r + 1 == reps) {
            text = s;
            len = strlen(s);
        } else {
            free(s);
        }
    }
    double parse_ms = -1, tree_ms = -1;
    size_t ms_bytes = 0, parsed = 0;
    if (do_parse) {
        char *ms = ms_file ? read_all(ms_file) : synth_metaspace(n);
        char *tree = tree_file ? read_all(tree_file) : synth_tree(n);
        struct ml_mspace_table table = {0};
        double t0 = now_ms();

        if (ml_mspace_parse_metaspace(ms, &table) != 0)
            fprintf(stderr, "report_bench: VM.metaspace text not parsed\n");
        parse_ms = now_ms() - t0;
        t0 = now_ms();
        if (ml_mspace_parse_tree(tree, &table) != 0)
            fprintf(stderr, "report_bench: VM.classloaders text not parsed\n");
        tree_ms = now_ms() - t0;
        ms_bytes = strlen(ms);
        parsed = table.n;
        ml_mspace_free(&table);
        free(ms);
        free(tree);
    }
    {
        double t0 = now_ms(), tw;

        if (ml_write_atomic(out, text, len, err, sizeof(err)) != 0) {
            fprintf(stderr, "report_bench: %s\n", err);
            return 1;
        }
        tw = now_ms() - t0;
        qsort(t, reps, sizeof(*t), cmp_double);
        printf("RESULT loaders=%u render_ms_median=%.2f render_ms_min=%.2f render_ms_max=%.2f "
               "write_ms=%.2f json_bytes=%zu bytes_per_loader=%.1f sizeof_ml_loader=%zu "
               "parse_metaspace_ms=%.2f parse_tree_ms=%.2f metaspace_text_bytes=%zu "
               "metaspace_entries=%zu\n",
               n, t[reps / 2], t[0], t[reps - 1], tw, len,
               n ? (double)(after - after_empty) / n : 0.0, sizeof(struct ml_loader), parse_ms,
               tree_ms, ms_bytes, parsed);
    }
    free(text);
    free(t);
    ml_registry_free(reg);
    return 0;
}
