/* The parts of `metaleak html` (cli.h: ml_html_write assembles the page). Every string that
 * comes from a report or a job-names file reaches the page through ml_h/ml_hf, which escape it
 * for HTML text and attribute values alike: class names, paths, job and thread names cannot
 * inject markup. The page carries no script and a Content-Security-Policy that forbids any. */
#ifndef METALEAK_HTML_H
#define METALEAK_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "metaleak/jobnames.h"
#include "metaleak/leakgroup.h"
#include "metaleak/reportread.h"

/* Writes s escaped (& < > " ' and control characters); NULL writes nothing. */
void ml_h(FILE *out, const char *s);

/* Formats like printf, then writes the result escaped. */
void ml_hf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A loader of report rf by id, NULL when the report does not list it. */
const struct ml_rloader *ml_html_loader(const struct ml_rfile *rf, int64_t id);

/* A job as people know it: "Name (id)" or the id; escaped. */
void ml_html_job(FILE *out, const struct ml_jobnames *jn, const char *job_id);

/* The Metaspace-over-time chart of one JVM, from the reports rfs[idx[0..n_idx-1]] of that JVM
 * (samples merged by time; the latest report's leaks, OOMs and forecast). `id` makes the
 * figure's element ids unique. */
void ml_html_chart(FILE *out, const struct ml_rfile *rfs, const size_t *idx, size_t n_idx,
                   int id);

/* The leak groups: count, jobs, classes, Metaspace, cause, known leak, advice and the
 * reference path drawn as a chain from the GC root to the job's object. */
void ml_html_leaks(FILE *out, const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *gs,
                   const struct ml_jobnames *jn);

/* The top loaders by Metaspace, the growth that is not a leak, and the JVM and Flink facts. */
void ml_html_loaders(FILE *out, const struct ml_rfile *rfs, size_t n,
                     const struct ml_jobnames *jn);
void ml_html_growth(FILE *out, const struct ml_rfile *rfs, size_t n);
void ml_html_facts(FILE *out, const struct ml_rfile *rfs, size_t n);

#endif
