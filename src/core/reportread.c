/* Reading a metaleak-report/1 file for the CLI (see reportread.h): the file, its JSON and its
 * schema here; the sections (reportread_sections.c) and each leak and loader entry
 * (reportread_entry.c) apart. Every field the CLI uses is checked for its type and range once,
 * so the commands can trust struct ml_rfile. */
#include "metaleak/reportread.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonget.h"
#include "metaleak/error.h"
#include "metaleak/reportrender.h"
#include "reportread_entry.h"
#include "reportread_sections.h"

/* True when the text ends inside a string or with an object or array still open: a file cut
 * short (a copy of a report being written, a full disk), not a malformed one. */
static bool ends_open(const char *data, size_t len)
{
    size_t depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char ch = data[i];

        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return in_string || depth > 0;
}

int ml_rfile_parse(const char *name, const char *data, size_t len, struct ml_rfile *rf,
                   char *err, size_t errlen)
{
    struct ml_jget c = {name, err, errlen};
    const cJSON *schema, *leaks, *loaders, *item;
    const char *end = NULL;
    size_t i;
    int rc;

    memset(rf, 0, sizeof(*rf));
    rf->path = strdup(name);
    if (rf->path == NULL) {
        snprintf(err, errlen, "'%s': out of memory", name);
        return ML_ERR_NOMEM;
    }
    if (len == 0)
        return ml_jget_bad(&c, "file", "is empty (a report being written is never empty: was it "
                           "copied half-way?)");
    rf->root = cJSON_ParseWithLengthOpts(data, len, &end, false);
    if (rf->root == NULL) {
        size_t at = end != NULL && end >= data ? (size_t)(end - data) : 0;

        snprintf(err, errlen, "'%s': not valid JSON (error at byte %zu of %zu%s)", name, at, len,
                 ends_open(data, len) ? ": the file ends too early, truncated?" : "");
        return ML_ERR_CONFIG;
    }
    if (!cJSON_IsObject(rf->root))
        return ml_jget_bad(&c, "document", "is not a JSON object, so not a metaleak report");
    schema = ml_jget_member(rf->root, "schema");
    if (!cJSON_IsString(schema))
        return ml_jget_bad(&c, "document", "has no \"schema\" string: not a metaleak report");
    if (strcmp(schema->valuestring, ML_REPORT_SCHEMA) != 0) {
        snprintf(err, errlen, "'%s': schema '%.64s' is not supported (this metaleak reads %s)",
                 name, schema->valuestring, ML_REPORT_SCHEMA);
        return ML_ERR_CONFIG;
    }
    rc = ml_rread_header(&c, rf->root, rf);
    if (rc == ML_OK)
        rc = ml_rread_details(&c, rf->root, rf);
    if (rc == ML_OK)
        rc = ml_jget_array(&c, rf->root, "leaks", "leaks", &leaks);
    if (rc == ML_OK)
        rc = ml_jget_array(&c, rf->root, "loaders", "loaders", &loaders);
    if (rc != ML_OK)
        return rc;
    rf->leaks = calloc((size_t)cJSON_GetArraySize(leaks) + 1, sizeof(*rf->leaks));
    rf->loaders = calloc((size_t)cJSON_GetArraySize(loaders) + 1, sizeof(*rf->loaders));
    if (rf->leaks == NULL || rf->loaders == NULL)
        return ml_jget_bad(&c, "document", "is too large: out of memory");
    i = 0;
    cJSON_ArrayForEach(item, leaks) {
        rc = ml_rread_leak(&c, item, i, &rf->leaks[i]);
        rf->n_leaks = ++i;
        if (rc != ML_OK)
            return rc;
    }
    i = 0;
    cJSON_ArrayForEach(item, loaders) {
        rc = ml_rread_loader(&c, item, i, &rf->loaders[i]);
        rf->n_loaders = ++i;
        if (rc != ML_OK)
            return rc;
    }
    return ML_OK;
}

int ml_rfile_load(const char *path, struct ml_rfile *rf, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 1 << 16, len = 0;
    int rc;

    memset(rf, 0, sizeof(*rf));
    if (f == NULL) {
        snprintf(err, errlen, "'%s': cannot read: %s", path, strerror(errno));
        return ML_ERR_IO;
    }
    data = malloc(cap);
    while (data != NULL) {
        size_t n = fread(data + len, 1, cap - len, f);

        len += n;
        if (n == 0)
            break;
        if (len == cap) {
            char *grown;

            if (cap >= ML_REPORT_MAX_BYTES) {
                fclose(f);
                free(data);
                snprintf(err, errlen, "'%s': larger than %u MiB, not a metaleak report", path,
                         ML_REPORT_MAX_BYTES >> 20);
                return ML_ERR_CONFIG;
            }
            grown = realloc(data, cap * 2);
            if (grown == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
            cap *= 2;
        }
    }
    if (data == NULL || ferror(f)) {
        int saved = errno;

        fclose(f);
        free(data);
        snprintf(err, errlen, "'%s': cannot read: %s", path,
                 data == NULL ? "out of memory" : strerror(saved));
        return ML_ERR_IO;
    }
    fclose(f);
    rc = ml_rfile_parse(path, data, len, rf, err, errlen);
    free(data);
    return rc;
}

void ml_rfile_release(struct ml_rfile *rf)
{
    if (rf->leaks != NULL) {
        for (size_t i = 0; i < rf->n_leaks; i++) {
            free(rf->leaks[i].urls);
            free(rf->leaks[i].steps);
            if (rf->leaks[i].known != NULL)
                free((void *)rf->leaks[i].known->references);
            free(rf->leaks[i].known);
        }
    }
    for (size_t i = 0; rf->path_groups != NULL && i < rf->n_path_groups; i++)
        free((void *)rf->path_groups[i].loader_ids);
    free(rf->path_groups);
    free(rf->samples);
    free((void *)rf->collectors);
    free(rf->flink_config);
    free(rf->leaks);
    free(rf->loaders);
    cJSON_Delete(rf->root);
    free(rf->path);
    memset(rf, 0, sizeof(*rf));
}
