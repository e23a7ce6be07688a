/* The `metaleak` command-line tool: its commands as functions over loaded reports, so that
 * they are unit-tested without a process. Exit codes: 0 fine, 1 a limit exceeded (check) or a
 * runtime failure (attach, collect), 2 unusable input or usage. */
#ifndef METALEAK_CLI_H
#define METALEAK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "metaleak/baseline.h"
#include "metaleak/reportread.h"

#define ML_EXIT_OK 0
#define ML_EXIT_FAIL 1
#define ML_EXIT_USAGE 2

/* summary: plain text (fits 100 columns) or JSON for machines. Reports from several
 * TaskManagers are merged; each finding names its report. Returns ML_EXIT_OK. */
int ml_summary_print(const struct ml_rfile *reports, size_t n, bool json, FILE *out);

struct ml_check_limits {
    bool has_max_loaders;
    uint64_t max_loaders;        /* --max-leaked-loaders */
    bool has_max_bytes;
    uint64_t max_bytes;          /* --max-leaked-bytes */
    bool has_max_growth;
    uint64_t max_growth;         /* --max-metaspace-growth */
    const struct ml_baseline *baseline;  /* NULL = no baseline */
};

/* check: prints one line per limit (PASS/FAIL with the numbers) on out, and problems with the
 * input on err. Returns ML_EXIT_OK, ML_EXIT_FAIL or ML_EXIT_USAGE. With no limit given, the
 * gate is --max-leaked-loaders 0. */
int ml_check_eval(const struct ml_rfile *rf, const struct ml_check_limits *lim, FILE *out,
                  FILE *err);

/* diff: new and fixed leaks, growth per loader and in totals between two reports. Returns
 * ML_EXIT_OK. */
int ml_diff_print(const struct ml_rfile *old_rf, const struct ml_rfile *new_rf, FILE *out);

/* The command entry points (argv[0] is the command name). */
int ml_cli_summary(int argc, char **argv);
int ml_cli_check(int argc, char **argv);
int ml_cli_diff(int argc, char **argv);
int ml_cli_attach(int argc, char **argv);
int ml_cli_collect(int argc, char **argv);

#endif
