/* A registry and report metadata with loaders in every state, shared by test_reportrender.c (which
 * checks the rendered JSON field by field) and report_sample.c (which writes it to a file for
 * the JSON Schema check). The numbers are documented next to rf_build in report_fixture.c. */
#ifndef METALEAK_REPORT_FIXTURE_H
#define METALEAK_REPORT_FIXTURE_H

#include "metaleak/flinkconf.h"
#include "metaleak/mspaceverdict.h"
#include "metaleak/options.h"
#include "metaleak/registry.h"
#include "metaleak/reportrender.h"

enum rf_variant {
    RF_FULL,         /* boot + 7 loaders in every state, every dropped counter at 1 */
    RF_BOOT_ONLY,    /* a JVM that just started: only the bootstrap loader, unknown numbers */
    RF_EXTRAS,       /* RF_FULL + Flink configuration, Metaspace samples and judgement, and
                      * reference paths for the leaked loaders: 3 a known library leak (MySQL's
                      * cleanup thread), 5 an unknown one (a thread of the job) */
    RF_UNINSPECTED,  /* RF_FULL + a loader whose class name could not be read (known bug) */
};

struct rf_fixture {
    struct ml_registry *reg;
    struct ml_options opts;
    struct ml_report_meta meta;
    struct ml_mspace_series *series;        /* RF_EXTRAS only */
    struct ml_mspace_judgement judgement;
    struct ml_flink_conf *conf;         /* RF_EXTRAS only */
};

/* Builds the fixture; returns 0, or -1 when out of memory. Release with rf_release. */
int rf_build(struct rf_fixture *fx, enum rf_variant variant);
void rf_release(struct rf_fixture *fx);

/* Gives loader l a two-step path found by a search: a root thread (its class and name) that
 * holds, through field, an object of the leaked loader (object kind and class); classified,
 * signed and matched against the known leaks as the agent does (ml_path_identify). Returns 0,
 * or -1 when out of memory. */
int rf_thread_path(struct ml_loader *l, const char *thread_class, const char *thread,
                   const char *field, enum ml_pg_object object, const char *owned_class);

#define RF_JOB_ID "9f0c4b1e2d3a4f5e6a7b8c9d0e1f2a3b"
#define RF_ODD_URL "file:/tmp/a \"quoted\" \\back\\slash/\xc3\xa9\ttab.jar"

#endif
