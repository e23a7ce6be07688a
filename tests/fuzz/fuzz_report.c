/* libFuzzer target: the CLI's report reader, then summary, html, check and diff on what it
 * accepts; the job-names reader; the CI baseline reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/baseline.h"
#include "metaleak/cli.h"
#include "metaleak/error.h"
#include "metaleak/jobnames.h"
#include "metaleak/reportread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ml_rfile rf;
    struct ml_baseline bl;
    char err[1024] = "";

    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (ml_rfile_parse("fuzz.json", (const char *)data, size, &rf, err, sizeof(err)) == ML_OK) {
        struct ml_check_limits lim;

        memset(&lim, 0, sizeof(lim));
        lim.has_max_bytes = lim.has_max_growth = lim.has_max_loaders = true;
        ml_summary_print(&rf, 1, NULL, false, sink);
        ml_summary_print(&rf, 1, NULL, true, sink);
        ml_html_write(&rf, 1, NULL, sink);
        ml_check_eval(&rf, &lim, sink, sink);
        ml_diff_print(&rf, &rf, sink);
    } else if (strncmp(err, "'fuzz.json'", 11) != 0) {
        abort(); /* every refusal names the file */
    }
    ml_rfile_release(&rf);
    {
        struct ml_jobnames jn = {NULL, 0};

        if (ml_jobnames_is((const char *)data, size))
            ml_jobnames_parse("fuzz.json", (const char *)data, size, &jn, err, sizeof(err));
        ml_jobnames_from_overview((const char *)data, size, &jn, err, sizeof(err));
        ml_jobnames_release(&jn);
    }
    if (ml_baseline_parse("fuzz.yaml", (const char *)data, size, &bl, err, sizeof(err)) == ML_OK)
        ml_baseline_release(&bl);
    return 0;
}
