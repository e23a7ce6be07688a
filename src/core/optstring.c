/* The agent options string, "k=v,k=v" (see optstring.h). */
#include "metaleak/optstring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/config.h"
#include "metaleak/error.h"

#define ML_MAX_INLINE_KEYS 32

struct pair {
    char *key;
    char *value;
};

/* Splits buf (modified in place) into key=value pairs. */
static int split_pairs(char *buf, struct pair *pairs, size_t *n_pairs, char *err, size_t errlen)
{
    size_t n = 0;
    char *item = buf;
    int index = 0;

    while (item != NULL) {
        char *next = strchr(item, ',');
        char *eq;

        if (next != NULL)
            *next++ = '\0';
        index++;
        if (*item == '\0') {
            if (next == NULL && n > 0)
                break; /* a trailing comma is harmless */
            snprintf(err, errlen, "agent options: option %d is empty (two commas in a row, or "
                                  "a leading comma?)",
                     index);
            return ML_ERR_CONFIG;
        }
        eq = strchr(item, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "agent options: '%s' is not key=value", item);
            return ML_ERR_CONFIG;
        }
        *eq = '\0';
        if (n == ML_MAX_INLINE_KEYS) {
            snprintf(err, errlen, "agent options: more than %d options", ML_MAX_INLINE_KEYS);
            return ML_ERR_CONFIG;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(pairs[i].key, item) == 0) {
                snprintf(err, errlen, "agent options: key '%s' is given twice", item);
                return ML_ERR_CONFIG;
            }
        }
        pairs[n].key = item;
        pairs[n].value = eq + 1;
        n++;
        item = next;
    }
    *n_pairs = n;
    return ML_OK;
}

int ml_optstring_parse(const char *optstr, struct ml_options *opts, char *err, size_t errlen)
{
    struct pair pairs[ML_MAX_INLINE_KEYS];
    size_t n = 0;
    char *buf = NULL;
    int rc = ML_OK;

    if (optstr == NULL || *optstr == '\0')
        return ML_OK;
    buf = strdup(optstr);
    if (buf == NULL) {
        snprintf(err, errlen, "agent options: out of memory");
        return ML_ERR_NOMEM;
    }
    rc = split_pairs(buf, pairs, &n, err, errlen);
    if (rc != ML_OK)
        goto cleanup;

    /* The file first, so that inline keys override it. */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pairs[i].key, "config") != 0)
            continue;
        rc = ml_options_set(opts, "config", pairs[i].value, "agent options", err, errlen);
        if (rc == ML_OK)
            rc = ml_config_load(opts->config, opts, err, errlen);
        if (rc != ML_OK)
            goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        rc = ml_options_set(opts, pairs[i].key, pairs[i].value, "agent options", err, errlen);
        if (rc != ML_OK)
            goto cleanup;
    }
cleanup:
    free(buf);
    return rc;
}
