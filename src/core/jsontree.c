/* A cJSON tree in an arena of its own (see jsontree.h). */
#include "jsontree.h"

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)

struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct ml_jtree {
    struct chunk *chunks;        /* newest first */
};

struct ml_jtree *ml_jtree_new(void)
{
    return calloc(1, sizeof(struct ml_jtree));
}

void ml_jtree_free(struct ml_jtree *t)
{
    if (t == NULL)
        return;
    while (t->chunks != NULL) {
        struct chunk *next = t->chunks->next;

        free(t->chunks);
        t->chunks = next;
    }
    free(t);
}

/* n bytes from the arena, aligned for any type. */
static void *alloc(struct ml_jtree *t, size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *c = t->chunks;
    void *p;

    if (c == NULL || c->cap - c->used < need) {
        size_t cap = need > CHUNK ? need : CHUNK;

        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->next = t->chunks;
        c->used = 0;
        c->cap = cap;
        t->chunks = c;
    }
    p = (char *)c->data + c->used;
    c->used += need;
    return p;
}

static char *copy(struct ml_jtree *t, const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = alloc(t, len);

    if (p != NULL)
        memcpy(p, s, len);
    return p;
}

static cJSON *node(struct ml_jtree *t, int type)
{
    cJSON *n = alloc(t, sizeof(*n));

    if (n != NULL) {
        memset(n, 0, sizeof(*n));
        n->type = type;
    }
    return n;
}

cJSON *ml_jtree_root(struct ml_jtree *t)
{
    return node(t, cJSON_Object);
}

/* Appends item to parent's children as cJSON does: the first child's prev is the last one. */
static cJSON *append(struct ml_jtree *t, cJSON *parent, const char *key, cJSON *item)
{
    cJSON *first;

    if (item == NULL)
        return NULL;
    if (key != NULL && (item->string = copy(t, key)) == NULL)
        return NULL;
    first = parent->child;
    if (first == NULL) {
        parent->child = item;
        item->prev = item;
    } else {
        first->prev->next = item;
        item->prev = first->prev;
        first->prev = item;
    }
    return item;
}

cJSON *ml_jtree_add_object(struct ml_jtree *t, cJSON *parent, const char *key)
{
    return append(t, parent, key, node(t, cJSON_Object));
}

cJSON *ml_jtree_add_array(struct ml_jtree *t, cJSON *parent, const char *key)
{
    return append(t, parent, key, node(t, cJSON_Array));
}

/* A node whose valuestring is a copy of text (cJSON_String or cJSON_Raw). */
static bool add_text(struct ml_jtree *t, cJSON *parent, const char *key, int type,
                     const char *text)
{
    cJSON *n = text == NULL ? NULL : node(t, type);

    if (n == NULL || (n->valuestring = copy(t, text)) == NULL)
        return false;
    return append(t, parent, key, n) != NULL;
}

bool ml_jtree_add_string(struct ml_jtree *t, cJSON *parent, const char *key, const char *s)
{
    return add_text(t, parent, key, cJSON_String, s);
}

bool ml_jtree_add_null(struct ml_jtree *t, cJSON *parent, const char *key)
{
    return append(t, parent, key, node(t, cJSON_NULL)) != NULL;
}

bool ml_jtree_add_bool(struct ml_jtree *t, cJSON *parent, const char *key, bool v)
{
    return append(t, parent, key, node(t, v ? cJSON_True : cJSON_False)) != NULL;
}

bool ml_jtree_add_number(struct ml_jtree *t, cJSON *parent, const char *key, double v)
{
    cJSON *n = node(t, cJSON_Number);

    if (n == NULL)
        return false;
    /* As cJSON_CreateNumber: valueint saturates. */
    n->valuedouble = v;
    n->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
    return append(t, parent, key, n) != NULL;
}

/* Formats v backwards into the buffer that ends at end; returns the first digit. */
static char *format_uint(char *end, uint64_t v)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

bool ml_jtree_add_uint(struct ml_jtree *t, cJSON *parent, const char *key, uint64_t v)
{
    char buf[24];

    return add_text(t, parent, key, cJSON_Raw, format_uint(buf + sizeof(buf), v));
}

bool ml_jtree_add_int(struct ml_jtree *t, cJSON *parent, const char *key, int64_t v)
{
    char buf[24];
    char *p;

    if (v >= 0)
        return ml_jtree_add_uint(t, parent, key, (uint64_t)v);
    p = format_uint(buf + sizeof(buf), (uint64_t)0 - (uint64_t)v);
    *--p = '-';
    return add_text(t, parent, key, cJSON_Raw, p);
}

bool ml_jtree_add_opt_string(struct ml_jtree *t, cJSON *parent, const char *key, const char *s)
{
    return s == NULL ? ml_jtree_add_null(t, parent, key) : ml_jtree_add_string(t, parent, key, s);
}

bool ml_jtree_add_opt_int(struct ml_jtree *t, cJSON *parent, const char *key, int64_t v)
{
    return v < 0 ? ml_jtree_add_null(t, parent, key) : ml_jtree_add_int(t, parent, key, v);
}

char *ml_jtree_print(const cJSON *root)
{
    /* The last document's size: most documents are alike. Shared by every thread (a guess). */
    static _Atomic size_t last = 1u << 16;
    size_t guess = atomic_load_explicit(&last, memory_order_relaxed);

    for (int tries = 0; tries < 16; tries++) {
        char *buf = malloc(guess);

        if (buf == NULL)
            return NULL;
        if (cJSON_PrintPreallocated((cJSON *)root, buf, (int)guess, 1)) {
            atomic_store_explicit(&last, strlen(buf) + strlen(buf) / 4 + 64, memory_order_relaxed);
            return buf;
        }
        free(buf);
        if (guess > (size_t)INT32_MAX / 2)
            return NULL;
        guess *= 2;
    }
    return NULL;
}
