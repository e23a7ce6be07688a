/* HotSpot's per-loader Metaspace numbers, parsed from the text of two diagnostic commands:
 * VM.metaspace show-loaders scale=1 (per class-loader-data, CLD: used and committed bytes)
 * and VM.classloaders verbose fold=false (per loader: its object address and its CLD). The
 * CLD joins the two; the object address joins them to one loader instance.
 * (VM.classloader_stats was tried first: on JDK 17 its BlockSz counts a fraction of what a
 * loader really uses, e.g. 332 bytes for a loader that VM.metaspace shows using 2 656.)
 * Pure module; see docs/metaspace.md. */
#ifndef METALEAK_MSPACEPARSE_H
#define METALEAK_MSPACEPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ml_mspace_entry {
    uint64_t cld;              /* ClassLoaderData address: the join key */
    uint64_t oop;              /* loader object address (0 = bootstrap) */
    bool has_oop;
    bool hidden;               /* the CLD of a non-strong hidden class */
    uint64_t classes;
    uint64_t used_bytes;       /* class + non-class space, used */
    uint64_t committed_bytes;  /* class + non-class space, committed chunks (JDK 11: capacity) */
};

struct ml_mspace_table {
    struct ml_mspace_entry *entries;  /* owned */
    size_t n, cap;
    uint64_t hidden_used_bytes;   /* non-strong hidden-class CLDs (not joined to a loader) */
    int64_t reserved_bytes;       /* class + non-class virtual space reserved, -1 unknown */
};

/* Parses VM.metaspace show-loaders scale=1 output into an empty t (sorted by CLD). Returns
 * ML_OK, ML_ERR_CONFIG when the text has no per-loader section, or ML_ERR_NOMEM. */
int ml_mspace_parse_metaspace(const char *text, struct ml_mspace_table *t);

/* Then parses VM.classloaders verbose output: sets the oop of the entry with the same CLD
 * (loaders without Metaspace are skipped) and sorts t by oop. Returns ML_OK, or
 * ML_ERR_CONFIG when the text lists no loader. */
int ml_mspace_parse_tree(const char *text, struct ml_mspace_table *t);

/* The entry of the loader whose object is at oop, or NULL. O(log n), after parse_tree. */
const struct ml_mspace_entry *ml_mspace_find_oop(const struct ml_mspace_table *t, uint64_t oop);

void ml_mspace_free(struct ml_mspace_table *t);

#endif
