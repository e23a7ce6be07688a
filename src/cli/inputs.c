/* The files `summary` and `html` read: reports and job-names files, told apart by their schema
 * (see cli.h). Each unusable file gets one message naming it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/error.h"

/* Reads the whole file (at most ML_REPORT_MAX_BYTES) into *data (owned, freed with free()). */
static int slurp(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16;
    char *buf;

    *data = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(err, errlen, "'%s': cannot read: %s", path, strerror(errno));
        return ML_ERR_IO;
    }
    buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + *len, 1, cap - *len, f);

        *len += n;
        if (n == 0)
            break;
        if (*len == cap) {
            char *grown;

            if (cap >= ML_REPORT_MAX_BYTES) {
                fclose(f);
                free(buf);
                snprintf(err, errlen, "'%s': larger than %u MiB, not a metaleak report", path,
                         ML_REPORT_MAX_BYTES >> 20);
                return ML_ERR_CONFIG;
            }
            grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf == NULL || ferror(f)) {
        int saved = errno;

        fclose(f);
        free(buf);
        snprintf(err, errlen, "'%s': cannot read: %s", path,
                 buf == NULL ? "out of memory" : strerror(saved));
        return ML_ERR_IO;
    }
    fclose(f);
    *data = buf;
    return ML_OK;
}

int ml_inputs_load(const char *cmd, char *const *paths, size_t n, struct ml_inputs *in)
{
    char err[1024];

    memset(in, 0, sizeof(*in));
    in->reports = calloc(n + 1, sizeof(*in->reports));
    if (in->reports == NULL) {
        fprintf(stderr, "metaleak %s: out of memory\n", cmd);
        return ML_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        char *data = NULL;
        size_t len = 0;
        int rc = slurp(paths[i], &data, &len, err, sizeof(err));

        if (rc == ML_OK && ml_jobnames_is(data, len)) {
            rc = ml_jobnames_parse(paths[i], data, len, &in->jobs, err, sizeof(err));
        } else if (rc == ML_OK) {
            rc = ml_rfile_parse(paths[i], data, len, &in->reports[in->n], err, sizeof(err));
            in->n++; /* released with the inputs, also when unusable */
        }
        free(data);
        if (rc != ML_OK) {
            fprintf(stderr, "metaleak %s: %s\n", cmd, err);
            return ML_EXIT_USAGE;
        }
    }
    if (in->n == 0) {
        fprintf(stderr, "metaleak %s: no report among the files (only job-names files)\n", cmd);
        return ML_EXIT_USAGE;
    }
    return ML_EXIT_OK;
}

void ml_inputs_release(struct ml_inputs *in)
{
    for (size_t i = 0; in->reports != NULL && i < in->n; i++)
        ml_rfile_release(&in->reports[i]);
    free(in->reports);
    ml_jobnames_release(&in->jobs);
    memset(in, 0, sizeof(*in));
}
