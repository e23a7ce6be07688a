/* Reading data/known-leaks.yaml into a catalogue (see known.h for the format). libyaml's
 * document API gives every node its line and column, so that each message names where the
 * offending node is. Used at build time (tools/knowngen.c) and by the tests, never by the agent
 * at run time. */
#include "metaleak/known.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "metaleak/error.h"

#define KNOWN_MAX_BYTES (4 * 1024 * 1024)
#define KNOWN_MAX_ENTRIES 4096
#define KNOWN_MAX_LIST 256

struct ml_known_loaded {
    struct ml_known_catalogue cat;
    void **blocks;             /* every allocation, freed together */
    size_t n_blocks;
    size_t cap_blocks;
};

struct loader {
    struct ml_known_loaded *k;
    yaml_document_t *doc;
    const char *name;
    char *err;
    size_t errlen;
    int rc;                    /* the first error */
};

/* Records the first error: "NAME:LINE:COL: WHERE: message". Returns false (for chaining). */
__attribute__((format(printf, 4, 5))) static bool fail(struct loader *l, const yaml_node_t *node,
                                                       const char *where, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->rc != ML_OK)
        return false;
    l->rc = ML_ERR_CONFIG;
    n = snprintf(l->err, l->errlen, "%s:%zu:%zu: %s: ", l->name,
                 node != NULL ? node->start_mark.line + 1 : 1,
                 node != NULL ? node->start_mark.column + 1 : 1, where);
    if (n < 0 || (size_t)n >= l->errlen)
        return false;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* at = where + suffix (printf-style), cut with "..." when too long. */
__attribute__((format(printf, 3, 4))) static void at_key(char *at, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(at, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len)
        memcpy(at + len - 4, "...", 4);
}

static bool nomem(struct loader *l)
{
    if (l->rc == ML_OK) {
        l->rc = ML_ERR_NOMEM;
        snprintf(l->err, l->errlen, "%s: out of memory", l->name);
    }
    return false;
}

/* Zeroed memory owned by the catalogue. */
static void *alloc(struct loader *l, size_t size)
{
    struct ml_known_loaded *k = l->k;
    void *p;

    if (k->n_blocks == k->cap_blocks) {
        size_t cap = k->cap_blocks ? 2 * k->cap_blocks : 64;
        void **b = realloc(k->blocks, cap * sizeof(*b));

        if (b == NULL)
            return NULL;
        k->blocks = b;
        k->cap_blocks = cap;
    }
    p = calloc(1, size > 0 ? size : 1);
    if (p != NULL)
        k->blocks[k->n_blocks++] = p;
    return p;
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

static bool is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;

    if (n->type != YAML_SCALAR_NODE)
        return false;
    if (n->tag != NULL && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0 &&
        n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || strcmp(v, "Null") == 0 ||
               strcmp(v, "NULL") == 0 || v[0] == '\0';
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || v[0] == '\0');
}

/* A copy of a non-empty string scalar, or NULL (error recorded). */
static const char *string(struct loader *l, const yaml_node_t *n, const char *where)
{
    char *s;

    if (n->type != YAML_SCALAR_NODE) {
        fail(l, n, where, "is %s, not a string", kind_name(n));
        return NULL;
    }
    if (is_null(n) || n->data.scalar.length == 0) {
        fail(l, n, where, "is empty");
        return NULL;
    }
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
        fail(l, n, where, "contains a NUL character");
        return NULL;
    }
    s = alloc(l, n->data.scalar.length + 1);
    if (s == NULL) {
        nomem(l);
        return NULL;
    }
    memcpy(s, n->data.scalar.value, n->data.scalar.length);
    return s;
}

static bool boolean(struct loader *l, const yaml_node_t *n, const char *where, bool *out)
{
    const char *v = (const char *)n->data.scalar.value;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
        return fail(l, n, where, "is not true or false");
    *out = strcmp(v, "true") == 0;
    return true;
}

/* A NULL-terminated list of strings from a string or a list of strings. */
static const char *const *strings(struct loader *l, const yaml_node_t *n, const char *where,
                                  bool allow_one)
{
    const char **list;
    size_t count, i = 0;
    char at[256];

    if (n->type == YAML_SCALAR_NODE && allow_one) {
        list = alloc(l, 2 * sizeof(*list));
        if (list == NULL) {
            nomem(l);
            return NULL;
        }
        list[0] = string(l, n, where);
        return list[0] != NULL ? list : NULL;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        fail(l, n, where, "is %s, not a list%s", kind_name(n), allow_one ? " or a string" : "");
        return NULL;
    }
    count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0 || count > KNOWN_MAX_LIST) {
        fail(l, n, where, "must have 1 to %d items", KNOWN_MAX_LIST);
        return NULL;
    }
    list = alloc(l, (count + 1) * sizeof(*list));
    if (list == NULL) {
        nomem(l);
        return NULL;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        at_key(at, sizeof(at), "%s[%zu]", where, i);
        list[i] = string(l, yaml_document_get_node(l->doc, *it), at);
        if (list[i] == NULL)
            return NULL;
    }
    return list;
}

/* Key lookup with a check that every key of the mapping is one of allowed. */
static bool check_keys(struct loader *l, const yaml_node_t *map, const char *where,
                       const char *const *allowed)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(l, map, where, "is %s, not a mapping", kind_name(map));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *key = yaml_document_get_node(l->doc, p->key);
        bool ok = false;

        if (key->type != YAML_SCALAR_NODE)
            return fail(l, key, where, "a key is %s", kind_name(key));
        for (const char *const *a = allowed; *a != NULL && !ok; a++)
            ok = strcmp((const char *)key->data.scalar.value, *a) == 0;
        if (!ok)
            return fail(l, key, where, "unknown key '%s'", (const char *)key->data.scalar.value);
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const yaml_node_t *other = yaml_document_get_node(l->doc, q->key);

            if (other->type == YAML_SCALAR_NODE &&
                strcmp((const char *)other->data.scalar.value,
                       (const char *)key->data.scalar.value) == 0)
                return fail(l, key, where, "key '%s' is given twice",
                            (const char *)key->data.scalar.value);
        }
    }
    return true;
}

static yaml_node_t *get(struct loader *l, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(l->doc, p->key);

        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(l->doc, p->value);
    }
    return NULL;
}

static yaml_node_t *require(struct loader *l, const yaml_node_t *map, const char *key,
                            const char *where)
{
    yaml_node_t *n = get(l, map, key);

    if (n == NULL)
        fail(l, map, where, "key '%s' is missing", key);
    return n;
}

static bool parse_ref(struct loader *l, const yaml_node_t *n, const char *where,
                      enum ml_ref *out)
{
    const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";

    for (int r = ML_REF_CLASS; r <= ML_REF_SUPERCLASS; r++)
        if (strcmp(v, ml_ref_name((enum ml_ref)r)) == 0) {
            *out = (enum ml_ref)r;
            return true;
        }
    return fail(l, n, where, "'%s' is not a reference kind (field, static-field, array-element, "
                "class, class-loader, signers, protection-domain, interface, constant-pool, "
                "superclass)", v);
}

static bool parse_object(struct loader *l, const yaml_node_t *n, const char *where,
                         enum ml_pg_object *out)
{
    static const char *const names[] = {"instance", "class", "loader", "thread"};
    const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";

    for (int o = 0; o < 4; o++)
        if (strcmp(v, names[o]) == 0) {
            *out = (enum ml_pg_object)o;
            return true;
        }
    return fail(l, n, where, "'%s' is not instance, class, loader or thread", v);
}

static bool parse_step(struct loader *l, const yaml_node_t *n, const char *where,
                       struct ml_known_step *s)
{
    static const char *const keys[] = {"class", "field", "thread", "method", "ref", "object",
                                       "owned", "hook", NULL};
    yaml_node_t *v;
    char at[256];
    bool b;

    if (!check_keys(l, n, where, keys))
        return false;
    if (n->data.mapping.pairs.top == n->data.mapping.pairs.start)
        return fail(l, n, where, "a step needs at least one of class, field, thread, method, "
                    "ref, object, owned, hook");
    s->any_object = true;
    if ((v = get(l, n, "class")) != NULL) {
        at_key(at, sizeof(at), "%s.class", where);
        if ((s->classes = strings(l, v, at, true)) == NULL)
            return false;
    }
    if ((v = get(l, n, "field")) != NULL) {
        at_key(at, sizeof(at), "%s.field", where);
        if ((s->fields = strings(l, v, at, true)) == NULL)
            return false;
    }
    if ((v = get(l, n, "thread")) != NULL) {
        at_key(at, sizeof(at), "%s.thread", where);
        if ((s->threads = strings(l, v, at, true)) == NULL)
            return false;
    }
    if ((v = get(l, n, "method")) != NULL) {
        at_key(at, sizeof(at), "%s.method", where);
        if ((s->method = string(l, v, at)) == NULL)
            return false;
    }
    if ((v = get(l, n, "ref")) != NULL) {
        at_key(at, sizeof(at), "%s.ref", where);
        if (!parse_ref(l, v, at, &s->ref))
            return false;
    }
    if ((v = get(l, n, "object")) != NULL) {
        at_key(at, sizeof(at), "%s.object", where);
        if (!parse_object(l, v, at, &s->object))
            return false;
        s->any_object = false;
    }
    if ((v = get(l, n, "owned")) != NULL) {
        at_key(at, sizeof(at), "%s.owned", where);
        if (!boolean(l, v, at, &b))
            return false;
        s->owned = b ? ML_KNOWN_YES : ML_KNOWN_NO;
    }
    if ((v = get(l, n, "hook")) != NULL) {
        at_key(at, sizeof(at), "%s.hook", where);
        if (!boolean(l, v, at, &b))
            return false;
        s->hook = b ? ML_KNOWN_YES : ML_KNOWN_NO;
    }
    return true;
}

static bool parse_pattern(struct loader *l, const yaml_node_t *n, const char *where,
                          struct ml_known_pattern *p)
{
    static const char *const keys[] = {"root", "steps", NULL};
    yaml_node_t *v;
    struct ml_known_step *steps;
    size_t count, i = 0;
    char at[256];

    if (!check_keys(l, n, where, keys))
        return false;
    if ((v = get(l, n, "root")) != NULL) {
        const char *const *roots;

        at_key(at, sizeof(at), "%s.root", where);
        if ((roots = strings(l, v, at, true)) == NULL)
            return false;
        for (; *roots != NULL; roots++) {
            enum ml_root_kind k = ml_root_kind_parse(*roots);

            if (k == ML_ROOT_NONE)
                return fail(l, v, at, "'%s' is not a root kind (thread, stack-local, jni-local, "
                            "jni-global, class, monitor, other, shutdown-hook)", *roots);
            p->roots |= 1u << k;
        }
    }
    at_key(at, sizeof(at), "%s.steps", where);
    if ((v = require(l, n, "steps", where)) == NULL)
        return false;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(l, v, at, "is %s, not a list", kind_name(v));
    count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (count == 0 || count > KNOWN_MAX_LIST)
        return fail(l, v, at, "must have 1 to %d steps", KNOWN_MAX_LIST);
    if ((steps = alloc(l, count * sizeof(*steps))) == NULL)
        return nomem(l);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, i++) {
        at_key(at, sizeof(at), "%s.steps[%zu]", where, i);
        if (!parse_step(l, yaml_document_get_node(l->doc, *it), at, &steps[i]))
            return false;
    }
    p->steps = steps;
    p->n_steps = count;
    return true;
}

static bool valid_id(const char *id)
{
    for (const char *s = id; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return id[0] != '-';
}

/* "group:artifact" (library) or "group:artifact:version" (reproduced_with). */
static bool valid_coordinates(const char *s, int colons)
{
    int n = 0;

    for (const char *c = s; *c != '\0'; c++) {
        if (*c == ':') {
            if (c == s || c[1] == '\0' || c[1] == ':')
                return false;
            n++;
        } else if (*c == ' ') {
            return false;
        }
    }
    return n == colons;
}

static bool parse_entry(struct loader *l, const yaml_node_t *n, const char *where,
                        struct ml_known_entry *e)
{
    static const char *const keys[] = {"id", "library", "title", "match", "references",
                                       "fixed_in", "advice", "reproduced_with", NULL};
    yaml_node_t *v;
    struct ml_known_pattern *match;
    size_t count, i = 0;
    char at[256];

    if (!check_keys(l, n, where, keys))
        return false;
    at_key(at, sizeof(at), "%s.id", where);
    if ((v = require(l, n, "id", where)) == NULL || (e->id = string(l, v, at)) == NULL)
        return false;
    if (!valid_id(e->id))
        return fail(l, v, at, "'%s' is not lower-case letters, digits and '-'", e->id);
    at_key(at, sizeof(at), "%s.library", where);
    if ((v = require(l, n, "library", where)) == NULL || (e->library = string(l, v, at)) == NULL)
        return false;
    if (!valid_coordinates(e->library, 1))
        return fail(l, v, at, "'%s' is not Maven coordinates group:artifact", e->library);
    at_key(at, sizeof(at), "%s.title", where);
    if ((v = require(l, n, "title", where)) == NULL || (e->title = string(l, v, at)) == NULL)
        return false;
    at_key(at, sizeof(at), "%s.advice", where);
    if ((v = require(l, n, "advice", where)) == NULL || (e->advice = string(l, v, at)) == NULL)
        return false;
    at_key(at, sizeof(at), "%s.references", where);
    if ((v = require(l, n, "references", where)) == NULL ||
        (e->references = strings(l, v, at, false)) == NULL)
        return false;
    at_key(at, sizeof(at), "%s.fixed_in", where);
    if ((v = require(l, n, "fixed_in", where)) == NULL)
        return false;
    if (!is_null(v) && (e->fixed_in = string(l, v, at)) == NULL)
        return false;
    if ((v = get(l, n, "reproduced_with")) != NULL) {
        at_key(at, sizeof(at), "%s.reproduced_with", where);
        if ((e->reproduced_with = strings(l, v, at, false)) == NULL)
            return false;
        for (const char *const *r = e->reproduced_with; *r != NULL; r++)
            if (!valid_coordinates(*r, 2))
                return fail(l, v, at, "'%s' is not Maven coordinates group:artifact:version",
                            *r);
    }
    at_key(at, sizeof(at), "%s.match", where);
    if ((v = require(l, n, "match", where)) == NULL)
        return false;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(l, v, at, "is %s, not a list of patterns", kind_name(v));
    count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (count == 0 || count > KNOWN_MAX_LIST)
        return fail(l, v, at, "must have 1 to %d patterns", KNOWN_MAX_LIST);
    if ((match = alloc(l, count * sizeof(*match))) == NULL)
        return nomem(l);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, i++) {
        at_key(at, sizeof(at), "%s.match[%zu]", where, i);
        if (!parse_pattern(l, yaml_document_get_node(l->doc, *it), at, &match[i]))
            return false;
    }
    e->match = match;
    e->n_match = count;
    return true;
}

static bool parse_root(struct loader *l, const yaml_node_t *root)
{
    static const char *const keys[] = {"version", "entries", NULL};
    yaml_node_t *v, *entries;
    struct ml_known_entry *list;
    size_t count, i = 0;
    char at[64];

    if (!check_keys(l, root, "(top level)", keys))
        return false;
    if ((v = require(l, root, "version", "(top level)")) == NULL)
        return false;
    if (v->type != YAML_SCALAR_NODE || strcmp((const char *)v->data.scalar.value, "1") != 0)
        return fail(l, v, "version", "only version 1 is known");
    if ((entries = require(l, root, "entries", "(top level)")) == NULL)
        return false;
    if (entries->type != YAML_SEQUENCE_NODE)
        return fail(l, entries, "entries", "is %s, not a list", kind_name(entries));
    count = (size_t)(entries->data.sequence.items.top - entries->data.sequence.items.start);
    if (count > KNOWN_MAX_ENTRIES)
        return fail(l, entries, "entries", "more than %d entries", KNOWN_MAX_ENTRIES);
    if ((list = alloc(l, count * sizeof(*list))) == NULL)
        return nomem(l);
    for (yaml_node_item_t *it = entries->data.sequence.items.start;
         it < entries->data.sequence.items.top; it++, i++) {
        yaml_node_t *node = yaml_document_get_node(l->doc, *it);

        at_key(at, sizeof(at), "entries[%zu]", i);
        if (!parse_entry(l, node, at, &list[i]))
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(list[j].id, list[i].id) == 0)
                return fail(l, node, at, "id '%s' is already used by entries[%zu]", list[i].id,
                            j);
    }
    l->k->cat.entries = list;
    l->k->cat.n_entries = count;
    return true;
}

int ml_known_load(const char *text, size_t len, const char *name, struct ml_known_loaded **out,
                  char *err, size_t errlen)
{
    struct loader l = {.name = name != NULL ? name : "known-leaks", .err = err,
                       .errlen = errlen, .rc = ML_OK};
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_parser = false, have_doc = false;
    yaml_node_t *root;

    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (len > KNOWN_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes", l.name, KNOWN_MAX_BYTES);
        return ML_ERR_CONFIG;
    }
    l.k = calloc(1, sizeof(*l.k));
    if (l.k == NULL) {
        nomem(&l);
        goto cleanup;
    }
    if (!yaml_parser_initialize(&parser)) {
        nomem(&l);
        goto cleanup;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        const yaml_mark_t *m = parser.problem_mark.line || parser.problem_mark.column
                                   ? &parser.problem_mark
                                   : &parser.context_mark;

        l.rc = parser.error == YAML_MEMORY_ERROR ? ML_ERR_NOMEM : ML_ERR_CONFIG;
        snprintf(err, errlen, "%s:%zu:%zu: malformed YAML: %s", l.name, m->line + 1,
                 m->column + 1, parser.problem != NULL ? parser.problem : "unknown error");
        goto cleanup;
    }
    have_doc = true;
    l.doc = &doc;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        fail(&l, NULL, "(top level)", "the file is empty");
        goto cleanup;
    }
    parse_root(&l, root);
cleanup:
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    if (l.rc != ML_OK) {
        ml_known_free(l.k);
        return l.rc;
    }
    *out = l.k;
    return ML_OK;
}

const struct ml_known_catalogue *ml_known_loaded_catalogue(const struct ml_known_loaded *k)
{
    return &k->cat;
}

void ml_known_free(struct ml_known_loaded *k)
{
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n_blocks; i++)
        free(k->blocks[i]);
    free(k->blocks);
    free(k);
}
