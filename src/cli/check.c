/* `metaleak check`: the CI gate. Every limit prints one PASS/FAIL line with the numbers; the
 * exit code says whether any failed, or that the report cannot answer (triage.h). */
#include <inttypes.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/sizes.h"
#include "metaleak/triage.h"

/* A gate that passed on a report that cannot answer is not a pass: exit 2 with what is
 * undecided, unless the caller accepts it. A failed gate stays failed: what is undecided can
 * only add leaks and growth. */
static int undecided_gate(const struct ml_rfile *rf, const struct ml_check_limits *lim, int rc,
                          FILE *out, FILE *err)
{
    char why[1024];

    if (!ml_undecided(rf, why, sizeof(why)))
        return rc;
    if (rc != ML_EXIT_OK || lim->allow_undecided) {
        fprintf(out, "note: '%s' is undecided: %s\n", rf->path, why);
        return rc;
    }
    fprintf(err, "metaleak check: '%s': cannot decide: %s (--allow-undecided to gate on it "
                 "anyway)\n",
            rf->path, why);
    return ML_EXIT_USAGE;
}

static int eval_limits(const struct ml_rfile *rf, const struct ml_check_limits *lim, FILE *out,
                       FILE *err)
{
    struct ml_check_limits eff = *lim;
    uint64_t counted = 0, accepted = 0, bytes = 0, unknown_bytes = 0;
    int rc = ML_EXIT_OK;
    char a[32], b[32];

    if (!eff.has_max_loaders && !eff.has_max_bytes && !eff.has_max_growth) {
        eff.has_max_loaders = true;
        eff.max_loaders = 0;
    }
    for (size_t i = 0; i < rf->n_leaks; i++) {
        const struct ml_rleak *l = &rf->leaks[i];

        if (eff.baseline != NULL && ml_baseline_accepts(eff.baseline, l)) {
            accepted++;
            continue;
        }
        counted++;
        if (l->metaspace_bytes >= 0)
            bytes += (uint64_t)l->metaspace_bytes;
        else
            unknown_bytes++;
    }
    if (accepted > 0)
        fprintf(out, "note: %" PRIu64 " leaked loader(s) accepted by the baseline\n", accepted);
    if (eff.has_max_loaders) {
        bool fail = counted > eff.max_loaders;

        fprintf(out, "%s leaked loaders: %" PRIu64 " (limit %" PRIu64 ")", fail ? "FAIL" : "PASS",
                counted, eff.max_loaders);
        if (fail)
            fprintf(out, ", over by %" PRIu64, counted - eff.max_loaders);
        fputc('\n', out);
        if (fail)
            rc = ML_EXIT_FAIL;
    }
    if (eff.has_max_bytes) {
        bool fail;

        if (unknown_bytes > 0) {
            fprintf(err, "metaleak check: '%s': %" PRIu64 " leaked loader(s) have no "
                         "metaspace_bytes, so --max-leaked-bytes cannot be checked\n",
                    rf->path, unknown_bytes);
            return ML_EXIT_USAGE;
        }
        fail = bytes > eff.max_bytes;
        fprintf(out, "%s leaked Metaspace: %s (limit %s)", fail ? "FAIL" : "PASS",
                ml_format_size((int64_t)bytes, a, sizeof(a)),
                ml_format_size((int64_t)eff.max_bytes, b, sizeof(b)));
        if (fail)
            fprintf(out, ", over by %s",
                    ml_format_size((int64_t)(bytes - eff.max_bytes), a, sizeof(a)));
        fputc('\n', out);
        if (fail)
            rc = ML_EXIT_FAIL;
    }
    if (eff.has_max_growth) {
        int64_t growth;
        bool fail;

        if (rf->first_sample_used < 0 || rf->last_sample_used < 0) {
            fprintf(err, "metaleak check: '%s': no metaspace.samples in the report, so "
                         "--max-metaspace-growth cannot be checked\n",
                    rf->path);
            return ML_EXIT_USAGE;
        }
        growth = rf->last_sample_used - rf->first_sample_used;
        fail = growth > 0 && (uint64_t)growth > eff.max_growth;
        fprintf(out, "%s Metaspace growth: %s%s (limit %s)", fail ? "FAIL" : "PASS",
                growth < 0 ? "-" : "", ml_format_size(growth < 0 ? -growth : growth, a, sizeof(a)),
                ml_format_size((int64_t)eff.max_growth, b, sizeof(b)));
        if (fail)
            fprintf(out, ", over by %s",
                    ml_format_size(growth - (int64_t)eff.max_growth, a, sizeof(a)));
        fputc('\n', out);
        if (fail)
            rc = ML_EXIT_FAIL;
    }
    return rc;
}

int ml_check_eval(const struct ml_rfile *rf, const struct ml_check_limits *lim, FILE *out,
                  FILE *err)
{
    int rc = eval_limits(rf, lim, out, err);

    if (rc == ML_EXIT_USAGE)
        return rc;
    return undecided_gate(rf, lim, rc, out, err);
}
