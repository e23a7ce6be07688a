/* A cJSON tree that lives in an arena of its own, for a document that is built, printed and
 * thrown away at once (the report). Nodes and their strings come from the arena (one malloc per
 * MiB, not one per node) and go all together with ml_jtree_free: freeing a 10 000-loader tree
 * node by node was 40 % of a render (docs/performance.md).
 *
 * cJSON's own allocator is never touched: cJSON_InitHooks is process-wide, and swapping it
 * during a render would hand arena memory to any other thread (or library in the same JVM)
 * that uses cJSON meanwhile. The nodes are plain cJSON items, linked as cJSON links them, and
 * printed by cJSON itself (cJSON_PrintPreallocated allocates nothing), so the text is exactly
 * what cJSON prints for the same tree. The tree must never be given to cJSON_Delete.
 *
 * Private to the core (reportrender.c). Each tree belongs to one thread at a time. */
#ifndef METALEAK_JSONTREE_H
#define METALEAK_JSONTREE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct ml_jtree;

/* A new, empty arena. NULL when out of memory; free with ml_jtree_free. */
struct ml_jtree *ml_jtree_new(void);
/* Frees the arena and every node and string in it. Accepts NULL. */
void ml_jtree_free(struct ml_jtree *t);

/* A detached object node (a document's root). NULL when out of memory. */
cJSON *ml_jtree_root(struct ml_jtree *t);

/* Each adder appends a node to `parent`: under `key` when parent is an object, without (key
 * NULL) when it is an array. Keys and strings are copied into the arena. The node (or true) on
 * success, NULL (or false) when out of memory. */
cJSON *ml_jtree_add_object(struct ml_jtree *t, cJSON *parent, const char *key);
cJSON *ml_jtree_add_array(struct ml_jtree *t, cJSON *parent, const char *key);
bool ml_jtree_add_string(struct ml_jtree *t, cJSON *parent, const char *key, const char *s);
bool ml_jtree_add_null(struct ml_jtree *t, cJSON *parent, const char *key);
bool ml_jtree_add_bool(struct ml_jtree *t, cJSON *parent, const char *key, bool v);
/* A number as cJSON_CreateNumber makes it. */
bool ml_jtree_add_number(struct ml_jtree *t, cJSON *parent, const char *key, double v);
/* An integer, as raw JSON text formatted here: cJSON would print its doubles with
 * sprintf("%1.15g") and check them with sscanf, which was 40 % of rendering a large report.
 * Readers see the same JSON numbers. */
bool ml_jtree_add_uint(struct ml_jtree *t, cJSON *parent, const char *key, uint64_t v);
bool ml_jtree_add_int(struct ml_jtree *t, cJSON *parent, const char *key, int64_t v);

/* null for a missing value: a NULL string, a negative integer (unknown milliseconds, bytes,
 * counts). */
bool ml_jtree_add_opt_string(struct ml_jtree *t, cJSON *parent, const char *key, const char *s);
bool ml_jtree_add_opt_int(struct ml_jtree *t, cJSON *parent, const char *key, int64_t v);

/* Prints the tree, formatted, into a malloc'd string that the caller frees with free(). NULL
 * when out of memory. */
char *ml_jtree_print(const cJSON *root);

#endif
