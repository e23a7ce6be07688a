/* Option parsing for summary, html, check and diff (attach and collect have their own files). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/atomicfile.h"
#include "metaleak/cli.h"
#include "metaleak/error.h"
#include "metaleak/sizes.h"

#define MAX_REPORTS 256

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    return false;
}

/* Loads a report; prints the one message and returns false when it is unusable. */
static bool load(const char *cmd, const char *path, struct ml_rfile *rf)
{
    char err[1024];

    if (ml_rfile_load(path, rf, err, sizeof(err)) == ML_OK)
        return true;
    fprintf(stderr, "metaleak %s: %s\n", cmd, err);
    ml_rfile_release(rf);
    return false;
}

int ml_cli_summary(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct ml_inputs in;
    bool json = false;
    int rc, c;

    if (wants_help(argc, argv)) {
        puts("usage: metaleak summary [--json] REPORT... [JOBS.json]\n\n"
             "The worst verdict of all reports and what to do first; each report's header (times\n"
             "since JVM start with the wall-clock time beside them); one block per leak (40\n"
             "submissions of one leaky job are one block: count, jobs, Metaspace held, path,\n"
             "fix), largest first; the top loaders. Several reports (one per TaskManager, or one\n"
             "JVM over time) are merged. A job-names file written by `metaleak collect`\n"
             "(flink-jobs.json) among the files names the jobs.\n"
             "  --json   the same as JSON for machines (schema " ML_SUMMARY_SCHEMA ")");
        return ML_EXIT_OK;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
        if (c != 'j') {
            fputs("usage: metaleak summary [--json] REPORT...\n", stderr);
            return ML_EXIT_USAGE;
        }
        json = true;
    }
    if (optind >= argc || argc - optind > MAX_REPORTS) {
        fprintf(stderr, "metaleak summary: give 1 to %d report files\n", MAX_REPORTS);
        return ML_EXIT_USAGE;
    }
    rc = ml_inputs_load("summary", argv + optind, (size_t)(argc - optind), &in);
    if (rc == ML_EXIT_OK)
        rc = ml_summary_print(in.reports, in.n, &in.jobs, json, stdout);
    ml_inputs_release(&in);
    return rc;
}

int ml_cli_html(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *output = NULL;
    struct ml_inputs in;
    char *page = NULL;
    size_t page_len = 0;
    FILE *mem = NULL;
    char err[1024];
    int rc, c;

    if (wants_help(argc, argv)) {
        puts("usage: metaleak html [-o FILE] REPORT... [JOBS.json]\n\n"
             "Writes one self-contained HTML page (inline CSS and SVG, no script, nothing fetched\n"
             "from the network) for the reports: the verdict, a Metaspace-over-time chart per\n"
             "JVM, the leaks grouped by leak with their reference paths drawn as chains, the top\n"
             "loaders, the growth that is not a leak, and the JVM and Flink facts. A job-names\n"
             "file written by `metaleak collect` among the files names the jobs.\n"
             "  -o, --output FILE   write the page to FILE (atomically) instead of stdout");
        return ML_EXIT_OK;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c != 'o') {
            fputs("usage: metaleak html [-o FILE] REPORT...\n", stderr);
            return ML_EXIT_USAGE;
        }
        output = optarg;
    }
    if (optind >= argc || argc - optind > MAX_REPORTS) {
        fprintf(stderr, "metaleak html: give 1 to %d report files\n", MAX_REPORTS);
        return ML_EXIT_USAGE;
    }
    rc = ml_inputs_load("html", argv + optind, (size_t)(argc - optind), &in);
    if (rc != ML_EXIT_OK)
        goto cleanup;
    if (output == NULL) {
        rc = ml_html_write(in.reports, in.n, &in.jobs, stdout);
        goto cleanup;
    }
    mem = open_memstream(&page, &page_len);
    if (mem == NULL) {
        fprintf(stderr, "metaleak html: out of memory\n");
        rc = ML_EXIT_FAIL;
        goto cleanup;
    }
    rc = ml_html_write(in.reports, in.n, &in.jobs, mem);
    if (fclose(mem) != 0 && rc == ML_EXIT_OK)
        rc = ML_EXIT_FAIL;
    mem = NULL;
    if (rc == ML_EXIT_OK && ml_write_atomic(output, page, page_len, err, sizeof(err)) != ML_OK) {
        fprintf(stderr, "metaleak html: %s\n", err);
        rc = ML_EXIT_FAIL;
    }
cleanup:
    free(page);
    ml_inputs_release(&in);
    return rc;
}

static bool size_arg(const char *opt, const char *value, uint64_t *out)
{
    if (ml_parse_size(value, out))
        return true;
    fprintf(stderr, "metaleak check: %s '%s' is not a size (use e.g. 512k, 256m, 1g)\n", opt,
            value);
    return false;
}

int ml_cli_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"max-leaked-loaders", required_argument, NULL, 'l'},
        {"max-leaked-bytes", required_argument, NULL, 'b'},
        {"max-metaspace-growth", required_argument, NULL, 'g'},
        {"baseline", required_argument, NULL, 'B'},
        {"allow-undecided", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct ml_check_limits lim;
    struct ml_baseline bl;
    struct ml_rfile rf;
    const char *baseline = NULL;
    char err[1024];
    int c, rc;

    if (wants_help(argc, argv)) {
        puts("usage: metaleak check REPORT [--max-leaked-loaders N] [--max-leaked-bytes SIZE]\n"
             "                      [--max-metaspace-growth SIZE] [--baseline FILE]\n"
             "                      [--allow-undecided]\n\n"
             "The CI gate. Exit 0 when the report is within every limit, 1 when a limit is\n"
             "exceeded (each limit prints PASS or FAIL with the numbers), 2 when the report or\n"
             "baseline is unusable, or when the report cannot answer: released loaders still\n"
             "without a verdict (not the exit report), loaders the agent could not track\n"
             "(dropped.loaders), no Metaspace verdict (an early 0.1.0 agent). --allow-undecided\n"
             "gates on such a report anyway. With no limit, the gate is --max-leaked-loaders 0.\n"
             "SIZE accepts 512k, 256m, 1g. A baseline (YAML) lists accepted leaks:\n"
             "  accepted:\n"
             "    - cause: jdbc-driver\n"
             "    - loader_class: com.example.PluginLoader\n"
             "    - jar: \"*mysql-connector-*.jar\"");
        return ML_EXIT_OK;
    }
    memset(&lim, 0, sizeof(lim));
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end = NULL;

        switch (c) {
        case 'l':
            lim.max_loaders = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || end == NULL || *end != '\0') {
                fprintf(stderr, "metaleak check: --max-leaked-loaders '%s' is not a whole number\n",
                        optarg);
                return ML_EXIT_USAGE;
            }
            lim.has_max_loaders = true;
            break;
        case 'b':
            if (!size_arg("--max-leaked-bytes", optarg, &lim.max_bytes))
                return ML_EXIT_USAGE;
            lim.has_max_bytes = true;
            break;
        case 'g':
            if (!size_arg("--max-metaspace-growth", optarg, &lim.max_growth))
                return ML_EXIT_USAGE;
            lim.has_max_growth = true;
            break;
        case 'B':
            baseline = optarg;
            break;
        case 'u':
            lim.allow_undecided = true;
            break;
        default:
            fputs("usage: metaleak check REPORT [limits...] (see metaleak check --help)\n", stderr);
            return ML_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fputs("metaleak check: give exactly one report file\n", stderr);
        return ML_EXIT_USAGE;
    }
    if (baseline != NULL) {
        if (ml_baseline_load(baseline, &bl, err, sizeof(err)) != ML_OK) {
            fprintf(stderr, "metaleak check: %s\n", err);
            return ML_EXIT_USAGE;
        }
        lim.baseline = &bl;
    }
    if (!load("check", argv[optind], &rf)) {
        if (baseline != NULL)
            ml_baseline_release(&bl);
        return ML_EXIT_USAGE;
    }
    rc = ml_check_eval(&rf, &lim, stdout, stderr);
    ml_rfile_release(&rf);
    if (baseline != NULL)
        ml_baseline_release(&bl);
    return rc;
}

int ml_cli_diff(int argc, char **argv)
{
    struct ml_rfile o, n;
    int rc;

    if (wants_help(argc, argv)) {
        puts("usage: metaleak diff OLD NEW\n\n"
             "New and fixed leaks and growth between two reports. Reports of the same JVM are\n"
             "compared loader by loader; reports of different JVMs by the kind of leak\n"
             "(signature, path shape, or loader class, cause and jar). Exit 0 no new leak, 1 new\n"
             "leaks in NEW, 2 unusable input, like diff(1).");
        return ML_EXIT_OK;
    }
    if (argc != 3) {
        fputs("usage: metaleak diff OLD NEW\n", stderr);
        return ML_EXIT_USAGE;
    }
    if (!load("diff", argv[1], &o))
        return ML_EXIT_USAGE;
    if (!load("diff", argv[2], &n)) {
        ml_rfile_release(&o);
        return ML_EXIT_USAGE;
    }
    rc = ml_diff_print(&o, &n, stdout);
    ml_rfile_release(&o);
    ml_rfile_release(&n);
    return rc;
}
