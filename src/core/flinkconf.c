/* Flink's configuration file and dynamic properties (see flinkconf.h). A YAML document is
 * walked as a tree; nested mappings are flattened to dotted keys, so 1.x flat files and 2.x
 * nested files read alike. */
#include "metaleak/flinkconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_CONF_BYTES (4 * 1024 * 1024)

static const char *const KEYS[ML_FK_COUNT] = {
    "taskmanager.memory.jvm-metaspace.size",
    "classloader.resolve-order",
    "classloader.parent-first-patterns.default",
    "classloader.parent-first-patterns.additional",
    "classloader.check-leaked-classloader",
    "classloader.fail-on-metaspace-oom-error",
};

const char *ml_flink_key_name(enum ml_flink_key k)
{
    return k < ML_FK_COUNT ? KEYS[k] : NULL;
}

static void set_value(struct ml_flink_conf *conf, const char *key, const char *value)
{
    for (int k = 0; k < ML_FK_COUNT; k++) {
        if (strcmp(KEYS[k], key) == 0) {
            char *copy = strdup(value);

            if (copy == NULL)
                return;
            free(conf->values[k]);
            conf->values[k] = copy;
            return;
        }
    }
}

/* Joins the scalars of a sequence node with ';' into buf. */
static void join_sequence(yaml_document_t *doc, yaml_node_t *seq, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(doc, *it);
        int w;

        if (n == NULL || n->type != YAML_SCALAR_NODE)
            continue;
        w = snprintf(buf + o, len - o, "%s%s", o ? ";" : "", (const char *)n->data.scalar.value);
        if (w < 0 || (size_t)w >= len - o)
            return;
        o += (size_t)w;
    }
}

static void walk(yaml_document_t *doc, yaml_node_t *node, const char *prefix,
                 struct ml_flink_conf *conf, int depth)
{
    if (node == NULL || node->type != YAML_MAPPING_NODE || depth > 16)
        return;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        char key[512];

        if (k == NULL || k->type != YAML_SCALAR_NODE || v == NULL)
            continue;
        snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
                 (const char *)k->data.scalar.value);
        if (v->type == YAML_SCALAR_NODE) {
            set_value(conf, key, (const char *)v->data.scalar.value);
        } else if (v->type == YAML_SEQUENCE_NODE) {
            char joined[4096];

            join_sequence(doc, v, joined, sizeof(joined));
            set_value(conf, key, joined);
        } else {
            walk(doc, v, key, conf, depth + 1);
        }
    }
}

void ml_flink_conf_parse(const char *name, const char *yaml, size_t len, struct ml_flink_conf *conf)
{
    yaml_parser_t parser;
    yaml_document_t doc;

    if (!yaml_parser_initialize(&parser)) {
        snprintf(conf->error, sizeof(conf->error), "%s: out of memory", name);
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(conf->error, sizeof(conf->error), "%s:%zu:%zu: malformed YAML: %s", name,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return;
    }
    walk(&doc, yaml_document_get_root_node(&doc), "", conf, 0);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
}

/* Copies the next whitespace-separated token of *p into buf; false at the end. */
static bool token(const char **p, char *buf, size_t len)
{
    const char *s = *p;
    size_t n = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return false;
    while (*s != '\0' && *s != ' ' && *s != '\t') {
        if (n + 1 < len)
            buf[n++] = *s;
        s++;
    }
    buf[n] = '\0';
    *p = s;
    return true;
}

static void apply_pair(struct ml_flink_conf *conf, char *pair)
{
    char *eq = strchr(pair, '=');

    if (eq == NULL)
        return;
    *eq = '\0';
    set_value(conf, pair, eq + 1);
}

void ml_flink_conf_apply_dynamic(const char *command_line, struct ml_flink_conf *conf)
{
    const char *p = command_line;
    char tok[4096];

    if (p == NULL)
        return;
    while (token(&p, tok, sizeof(tok))) {
        if (strcmp(tok, "-D") == 0) {
            if (!token(&p, tok, sizeof(tok)))
                break;
            apply_pair(conf, tok);
        } else if (strncmp(tok, "-D", 2) == 0) {
            apply_pair(conf, tok + 2);
        }
    }
}

bool ml_flink_conf_dir(const char *env_conf_dir, const char *command_line, char *out,
                       size_t outlen)
{
    const char *p = command_line;
    char tok[4096];

    if (env_conf_dir != NULL && *env_conf_dir != '\0') {
        snprintf(out, outlen, "%s", env_conf_dir);
        return true;
    }
    while (p != NULL && token(&p, tok, sizeof(tok))) {
        if (strcmp(tok, "--configDir") == 0 || strcmp(tok, "-c") == 0) {
            if (token(&p, tok, sizeof(tok))) {
                snprintf(out, outlen, "%s", tok);
                return true;
            }
        }
    }
    return false;
}

/* Reads a whole file (bounded); NULL with conf->error set on failure. */
static char *slurp(const char *path, size_t *len, struct ml_flink_conf *conf)
{
    FILE *f = fopen(path, "rb");
    char *data;

    if (f == NULL) {
        snprintf(conf->error, sizeof(conf->error), "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    data = malloc(MAX_CONF_BYTES + 1);
    if (data == NULL) {
        fclose(f);
        return NULL;
    }
    *len = fread(data, 1, MAX_CONF_BYTES, f);
    fclose(f);
    data[*len] = '\0';
    return data;
}

void ml_flink_conf_load(const char *dir, const char *command_line, struct ml_flink_conf *conf)
{
    static const char *const names[] = {"flink-conf.yaml", "config.yaml"};
    char *data = NULL;
    size_t len = 0;

    for (size_t i = 0; i < 2; i++) {
        FILE *probe;

        snprintf(conf->file, sizeof(conf->file), "%s/%s", dir, names[i]);
        probe = fopen(conf->file, "rb");
        if (probe != NULL) {
            fclose(probe);
            break;
        }
        conf->file[0] = '\0';
    }
    if (conf->file[0] == '\0') {
        snprintf(conf->error, sizeof(conf->error), "%s: no flink-conf.yaml or config.yaml", dir);
    } else {
        data = slurp(conf->file, &len, conf);
        if (data != NULL)
            ml_flink_conf_parse(conf->file, data, len, conf);
    }
    free(data);
    ml_flink_conf_apply_dynamic(command_line, conf);
}

void ml_flink_conf_release(struct ml_flink_conf *conf)
{
    for (int k = 0; k < ML_FK_COUNT; k++) {
        free(conf->values[k]);
        conf->values[k] = NULL;
    }
}
