/* CI baselines (see baseline.h): libyaml's document loader, since a baseline is small and its
 * shape (a mapping with a list of mappings) is easier to check on a node tree than on events. */
#include "metaleak/baseline.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "metaleak/error.h"
#include "metaleak/known.h"

#define MAX_BASELINE_BYTES (1024 * 1024)

static int at(char *err, size_t errlen, const char *name, const yaml_node_t *node,
              const char *msg)
{
    snprintf(err, errlen, "%s:%zu:%zu: %s", name, node->start_mark.line + 1,
             node->start_mark.column + 1, msg);
    return ML_ERR_CONFIG;
}

static const char *scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool valid_signature(const char *s)
{
    size_t n = 0;

    for (; isxdigit((unsigned char)s[n]); n++)
        ;
    return n == ML_SIGNATURE_LEN && s[n] == '\0';
}

static int read_entry(yaml_document_t *doc, const yaml_node_t *map, const char *name,
                      struct ml_baseline_entry *e, char *err, size_t errlen)
{
    if (map->type != YAML_MAPPING_NODE)
        return at(err, errlen, name, map, "an accepted entry must be a mapping "
                                          "(cause, loader_class, jar, known, signature, reason)");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = scalar(k), *val = scalar(v);
        char **slot = NULL;
        char msg[160];

        if (key == NULL)
            return at(err, errlen, name, k, "keys must be plain words");
        if (val == NULL || *val == '\0') {
            snprintf(msg, sizeof(msg), "'%s' needs a single, non-empty value", key);
            return at(err, errlen, name, v, msg);
        }
        if (strcmp(key, "cause") == 0)
            slot = &e->cause;
        else if (strcmp(key, "loader_class") == 0)
            slot = &e->loader_class;
        else if (strcmp(key, "jar") == 0)
            slot = &e->jar;
        else if (strcmp(key, "known") == 0)
            slot = &e->known;
        else if (strcmp(key, "signature") == 0)
            slot = &e->signature;
        else if (strcmp(key, "reason") == 0)
            continue;
        else {
            snprintf(msg, sizeof(msg), "unknown key '%.64s' (known: cause, loader_class, jar, "
                                       "known, signature, reason)", key);
            return at(err, errlen, name, k, msg);
        }
        if (slot == &e->known && ml_known_find(ml_known_builtin(), val) == NULL) {
            snprintf(msg, sizeof(msg), "'%.64s' is not a known leak id (docs/known-leaks.md "
                                       "lists them)", val);
            return at(err, errlen, name, v, msg);
        }
        if (slot == &e->signature && !valid_signature(val)) {
            snprintf(msg, sizeof(msg), "signature '%.64s' is not 16 hex digits (a leak's "
                                       "`signature` in the report)", val);
            return at(err, errlen, name, v, msg);
        }
        if (*slot != NULL) {
            snprintf(msg, sizeof(msg), "'%s' is given twice", key);
            return at(err, errlen, name, k, msg);
        }
        *slot = strdup(val);
        if (*slot == NULL)
            return at(err, errlen, name, v, "out of memory");
        if (slot == &e->signature)
            for (char *c = *slot; *c != '\0'; c++)
                *c = (char)tolower((unsigned char)*c);
    }
    if (e->cause == NULL && e->loader_class == NULL && e->jar == NULL && e->known == NULL &&
        e->signature == NULL)
        return at(err, errlen, name, map,
                  "an accepted entry needs cause, loader_class, jar, known or signature");
    return ML_OK;
}

int ml_baseline_parse(const char *name, const char *data, size_t len, struct ml_baseline *bl,
                      char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root, *list = NULL;
    int rc = ML_OK;

    memset(bl, 0, sizeof(*bl));
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", name);
        return ML_ERR_NOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: malformed YAML: %s", name,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return ML_ERR_CONFIG;
    }
    root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        snprintf(err, errlen, "%s: empty baseline (expected 'accepted:' with a list)", name);
        rc = ML_ERR_CONFIG;
        goto cleanup;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = at(err, errlen, name, root, "expected a mapping with 'accepted:'");
        goto cleanup;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        const char *key = scalar(k);

        if (key == NULL || strcmp(key, "accepted") != 0) {
            rc = at(err, errlen, name, k, "unknown key (a baseline has only 'accepted:')");
            goto cleanup;
        }
        list = yaml_document_get_node(&doc, p->value);
    }
    if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
        rc = at(err, errlen, name, list ? list : root, "'accepted' must be a list of entries");
        goto cleanup;
    }
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        yaml_node_t *entry = yaml_document_get_node(&doc, *it);

        if (bl->n == ML_BASELINE_MAX) {
            rc = at(err, errlen, name, entry, "more than 256 accepted entries");
            goto cleanup;
        }
        rc = read_entry(&doc, entry, name, &bl->entries[bl->n], err, errlen);
        bl->n++;
        if (rc != ML_OK)
            goto cleanup;
    }
cleanup:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != ML_OK)
        ml_baseline_release(bl);
    return rc;
}

int ml_baseline_load(const char *path, struct ml_baseline *bl, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *data;
    size_t len;
    int rc;

    memset(bl, 0, sizeof(*bl));
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return ML_ERR_IO;
    }
    data = malloc(MAX_BASELINE_BYTES + 1);
    if (data == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return ML_ERR_NOMEM;
    }
    len = fread(data, 1, MAX_BASELINE_BYTES + 1, f);
    fclose(f);
    if (len > MAX_BASELINE_BYTES) {
        free(data);
        snprintf(err, errlen, "%s: larger than 1 MiB, not a baseline", path);
        return ML_ERR_CONFIG;
    }
    rc = ml_baseline_parse(path, data, len, bl, err, errlen);
    free(data);
    return rc;
}

void ml_baseline_release(struct ml_baseline *bl)
{
    for (size_t i = 0; i < bl->n; i++) {
        free(bl->entries[i].cause);
        free(bl->entries[i].loader_class);
        free(bl->entries[i].jar);
        free(bl->entries[i].known);
        free(bl->entries[i].signature);
    }
    memset(bl, 0, sizeof(*bl));
}

static bool jar_matches(const char *pattern, const struct ml_rleak *leak)
{
    for (size_t i = 0; i < leak->n_urls; i++) {
        if (fnmatch(pattern, leak->urls[i], 0) == 0)
            return true;
    }
    return false;
}

bool ml_baseline_accepts(const struct ml_baseline *bl, const struct ml_rleak *leak)
{
    for (size_t i = 0; i < bl->n; i++) {
        const struct ml_baseline_entry *e = &bl->entries[i];

        if (e->cause != NULL && (leak->cause == NULL || strcmp(e->cause, leak->cause) != 0))
            continue;
        if (e->loader_class != NULL && strcmp(e->loader_class, leak->class_name) != 0)
            continue;
        if (e->jar != NULL && !jar_matches(e->jar, leak))
            continue;
        if (e->known != NULL && (leak->known == NULL || strcmp(e->known, leak->known->id) != 0))
            continue;
        if (e->signature != NULL &&
            (leak->signature == NULL || strcmp(e->signature, leak->signature) != 0))
            continue;
        return true;
    }
    return false;
}
