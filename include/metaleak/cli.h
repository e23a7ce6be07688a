/* The `metaleak` command-line tool: its commands as functions over loaded reports, so that
 * they are unit-tested without a process. Exit codes: 0 fine; 1 a limit exceeded (check), new
 * leaks (diff) or a runtime failure (attach, collect, html); 2 unusable input or usage, or a
 * report that cannot answer the gate (check, unless --allow-undecided). */
#ifndef METALEAK_CLI_H
#define METALEAK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "metaleak/baseline.h"
#include "metaleak/jobnames.h"
#include "metaleak/reportread.h"

#define ML_EXIT_OK 0
#define ML_EXIT_FAIL 1
#define ML_EXIT_USAGE 2

/* The schema string of `summary --json`. */
#define ML_SUMMARY_SCHEMA "metaleak-summary/1"

/* What summary and html read: reports, and job-names files (metaleak-flink-jobs/1, written by
 * collect) told apart by their schema. */
struct ml_inputs {
    struct ml_rfile *reports;   /* owned array */
    size_t n;
    struct ml_jobnames jobs;    /* the names of every job-names file given */
};

/* Loads each of the n paths. On the first unusable file prints one line "metaleak CMD: <why>"
 * naming it on stderr and returns ML_EXIT_USAGE (also when no report is among them);
 * otherwise ML_EXIT_OK. The caller releases *in with ml_inputs_release in both cases. */
int ml_inputs_load(const char *cmd, char *const *paths, size_t n, struct ml_inputs *in);
void ml_inputs_release(struct ml_inputs *in);

/* summary: plain text (fits 100 columns) or JSON for machines. Reports from several
 * TaskManagers are merged; leaks are grouped by leak (leakgroup.h); jobs are named from jn
 * (may be NULL). Returns ML_EXIT_OK, or ML_EXIT_FAIL when out of memory. */
int ml_summary_print(const struct ml_rfile *reports, size_t n, const struct ml_jobnames *jn,
                     bool json, FILE *out);

/* html: one self-contained page (inline CSS and SVG, no script, nothing fetched) for the
 * reports. Returns ML_EXIT_OK, or ML_EXIT_FAIL when out of memory or out cannot be written. */
int ml_html_write(const struct ml_rfile *reports, size_t n, const struct ml_jobnames *jn,
                  FILE *out);

struct ml_check_limits {
    bool has_max_loaders;
    uint64_t max_loaders;        /* --max-leaked-loaders */
    bool has_max_bytes;
    uint64_t max_bytes;          /* --max-leaked-bytes */
    bool has_max_growth;
    uint64_t max_growth;         /* --max-metaspace-growth */
    const struct ml_baseline *baseline;  /* NULL = no baseline */
    bool allow_undecided;        /* --allow-undecided */
};

/* check: prints one line per limit (PASS/FAIL with the numbers) on out, and problems with the
 * input on err. Returns ML_EXIT_OK, ML_EXIT_FAIL or ML_EXIT_USAGE. With no limit given, the
 * gate is --max-leaked-loaders 0. A report that cannot answer (triage.h: ml_undecided) gives
 * ML_EXIT_USAGE with a message naming the file and what is undecided, unless a limit already
 * failed (more data can only add leaks and growth) or allow_undecided is set (then a note). */
int ml_check_eval(const struct ml_rfile *rf, const struct ml_check_limits *lim, FILE *out,
                  FILE *err);

/* diff: new and fixed leaks, growth per loader and in totals between two reports. Returns
 * ML_EXIT_FAIL when NEW has leaks that OLD does not (new loaders in the same JVM; new or more
 * leaks of a kind between JVMs), ML_EXIT_OK otherwise, like diff(1). */
int ml_diff_print(const struct ml_rfile *old_rf, const struct ml_rfile *new_rf, FILE *out);

/* The command entry points (argv[0] is the command name). */
int ml_cli_summary(int argc, char **argv);
int ml_cli_check(int argc, char **argv);
int ml_cli_diff(int argc, char **argv);
int ml_cli_attach(int argc, char **argv);
int ml_cli_collect(int argc, char **argv);
int ml_cli_html(int argc, char **argv);

#endif
