/* YAML configuration file: a flat mapping of option keys to scalars, read with libyaml's event
 * parser so that every message can name the line and column of the offending node. */
#include "metaleak/config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "metaleak/error.h"
#include "metaleak/log.h"

#define ML_CONFIG_MAX_BYTES (1024 * 1024)
#define ML_CONFIG_MAX_KEYS 64

struct seen_keys {
    char names[ML_CONFIG_MAX_KEYS][128];
    size_t n;
};

static void where_at(char *buf, size_t len, const char *name, const yaml_mark_t *mark)
{
    snprintf(buf, len, "%s:%zu:%zu", name, mark->line + 1, mark->column + 1);
}

static const char *event_kind(yaml_event_type_t type)
{
    switch (type) {
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_ALIAS_EVENT:
        return "an alias";
    default:
        return "not a scalar";
    }
}

/* Returns true when key was already seen, else remembers it. */
static bool seen_before(struct seen_keys *seen, const char *key)
{
    for (size_t i = 0; i < seen->n; i++) {
        if (strcmp(seen->names[i], key) == 0)
            return true;
    }
    if (seen->n < ML_CONFIG_MAX_KEYS) {
        snprintf(seen->names[seen->n], sizeof(seen->names[0]), "%s", key);
        seen->n++;
    }
    return false;
}

static int parse_error(const yaml_parser_t *parser, const char *name, char *err, size_t errlen)
{
    const yaml_mark_t *mark = parser->problem_mark.line || parser->problem_mark.column
                                  ? &parser->problem_mark
                                  : &parser->context_mark;

    if (parser->context != NULL) {
        snprintf(err, errlen, "%s:%zu:%zu: malformed YAML: %s (%s at line %zu column %zu)", name,
                 mark->line + 1, mark->column + 1,
                 parser->problem ? parser->problem : "syntax error", parser->context,
                 parser->context_mark.line + 1, parser->context_mark.column + 1);
    } else {
        snprintf(err, errlen, "%s:%zu:%zu: malformed YAML: %s", name, mark->line + 1,
                 mark->column + 1, parser->problem ? parser->problem : "syntax error");
    }
    return ML_ERR_CONFIG;
}

/* Walks the event stream: STREAM-START, (DOCUMENT-START, MAPPING of scalar pairs,
 * DOCUMENT-END)?, STREAM-END. */
static int apply_events(yaml_parser_t *parser, const char *name, struct ml_options *opts,
                        char *err, size_t errlen)
{
    yaml_event_t ev;
    struct seen_keys seen = {.n = 0};
    enum { TOP, IN_MAP, DONE } state = TOP;
    int docs = 0;
    int rc = ML_OK;

    for (;;) {
        char where[ML_FILEPATH_MAX + 64];

        if (!yaml_parser_parse(parser, &ev))
            return parse_error(parser, name, err, errlen);
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                where_at(where, sizeof(where), name, &ev.start_mark);
                snprintf(err, errlen, "%s: more than one YAML document", where);
                rc = ML_ERR_CONFIG;
            }
            break;
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            return ML_OK;
        case YAML_MAPPING_START_EVENT:
            if (state != TOP) {
                where_at(where, sizeof(where), name, &ev.start_mark);
                snprintf(err, errlen, "%s: nested mappings are not allowed", where);
                rc = ML_ERR_CONFIG;
            } else {
                state = IN_MAP;
            }
            break;
        case YAML_MAPPING_END_EVENT:
            state = DONE;
            break;
        case YAML_SCALAR_EVENT: {
            yaml_event_t val;
            char key[128], shown[128];
            const char *k = (const char *)ev.data.scalar.value;

            where_at(where, sizeof(where), name, &ev.start_mark);
            if (state != IN_MAP) {
                if (state == TOP && ev.data.scalar.length == 0 && ev.data.scalar.plain_implicit)
                    break; /* an empty document */
                snprintf(err, errlen, "%s: expected a mapping of option keys, found '%s'", where,
                         ml_printable(k, shown, sizeof(shown)));
                rc = ML_ERR_CONFIG;
                break;
            }
            snprintf(key, sizeof(key), "%s", k);
            if (!yaml_parser_parse(parser, &val)) {
                yaml_event_delete(&ev);
                return parse_error(parser, name, err, errlen);
            }
            if (val.type != YAML_SCALAR_EVENT) {
                where_at(where, sizeof(where), name, &val.start_mark);
                snprintf(err, errlen, "%s: %s: value is %s, expected a single value", where, key,
                         event_kind(val.type));
                rc = ML_ERR_CONFIG;
            } else if (strcmp(key, "config") == 0) {
                snprintf(err, errlen, "%s: config: a configuration file cannot name another one",
                         where);
                rc = ML_ERR_CONFIG;
            } else if (!ml_options_is_key(key)) {
                /* name the key's own position, not its value's */
                rc = ml_options_set(opts, key, "", where, err, errlen);
            } else if (seen_before(&seen, key)) {
                snprintf(err, errlen, "%s: key '%s' is given twice", where,
                         ml_printable(key, shown, sizeof(shown)));
                rc = ML_ERR_CONFIG;
            } else if (val.data.scalar.length == 0 && val.data.scalar.plain_implicit) {
                snprintf(err, errlen, "%s: %s: no value", where, key);
                rc = ML_ERR_CONFIG;
            } else {
                where_at(where, sizeof(where), name, &val.start_mark);
                rc = ml_options_set(opts, key, (const char *)val.data.scalar.value, where, err,
                                    errlen);
            }
            yaml_event_delete(&val);
            break;
        }
        default:
            where_at(where, sizeof(where), name, &ev.start_mark);
            snprintf(err, errlen, "%s: expected a mapping of option keys, found %s", where,
                     event_kind(ev.type));
            rc = ML_ERR_CONFIG;
            break;
        }
        yaml_event_delete(&ev);
        if (rc != ML_OK)
            return rc;
    }
}

int ml_config_load_buffer(const char *name, const char *data, size_t len, struct ml_options *opts,
                          char *err, size_t errlen)
{
    yaml_parser_t parser;
    int rc;

    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", name);
        return ML_ERR_NOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    rc = apply_events(&parser, name, opts, err, errlen);
    yaml_parser_delete(&parser);
    return rc;
}

int ml_config_load(const char *path, struct ml_options *opts, char *err, size_t errlen)
{
    FILE *f = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = ML_OK;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return ML_ERR_IO;
    }
    data = malloc(ML_CONFIG_MAX_BYTES + 1);
    if (data == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = ML_ERR_NOMEM;
        goto cleanup;
    }
    len = fread(data, 1, ML_CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = ML_ERR_IO;
        goto cleanup;
    }
    if (len > ML_CONFIG_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes, not a metaleak configuration", path,
                 ML_CONFIG_MAX_BYTES);
        rc = ML_ERR_CONFIG;
        goto cleanup;
    }
    rc = ml_config_load_buffer(path, data, len, opts, err, errlen);
cleanup:
    free(data);
    fclose(f);
    return rc;
}
