/* Renders the report fixtures (report_fixture.c) into files for validate_report.py, which checks
 * them against docs/report.schema.json:
 *
 *   unit_report_sample DIR [--known-bugs]
 *
 * writes DIR/full.json, DIR/boot-only.json, DIR/extras.json, DIR/verdicts.json (and
 * DIR/uninspected.json with
 * --known-bugs) with ml_write_atomic, as the agent does. Exit status 0, or 1 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "metaleak/atomicfile.h"
#include "metaleak/error.h"
#include "metaleak/reportrender.h"
#include "report_fixture.h"

static int render(const char *dir, const char *name, enum rf_variant variant)
{
    struct rf_fixture rf;
    char path[4096], err[ML_ERRBUF];
    char *text;
    int rc = 1;

    if (rf_build(&rf, variant) != 0) {
        fprintf(stderr, "%s: cannot build the fixture\n", name);
        rf_release(&rf);
        return 1;
    }
    text = ml_report_render(rf.reg, &rf.meta);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (text == NULL)
        fprintf(stderr, "%s: ml_report_render failed\n", name);
    else if (ml_write_atomic(path, text, strlen(text), err, sizeof(err)) != ML_OK)
        fprintf(stderr, "%s\n", err);
    else
        rc = 0;
    if (text != NULL)
        free(text);
    rf_release(&rf);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--known-bugs") != 0)) {
        fprintf(stderr, "usage: %s DIR [--known-bugs]\n", argv[0]);
        return 2;
    }
    rc |= render(argv[1], "full.json", RF_FULL);
    rc |= render(argv[1], "boot-only.json", RF_BOOT_ONLY);
    rc |= render(argv[1], "extras.json", RF_EXTRAS);
    rc |= render(argv[1], "verdicts.json", RF_VERDICTS);
    if (argc == 3)
        rc |= render(argv[1], "uninspected.json", RF_UNINSPECTED);
    return rc;
}
