/* Class inventory: what the loaded classes say besides leaks.
 *   - shadowed classes: a loader defines a class although one of its ancestors defines a class
 *     of the same name (child-first shadowing: "X cannot be cast to X", a driver both in lib/
 *     and in the job jar). Copies in sibling loaders (two submissions of one job) are normal
 *     and are not listed.
 *   - growth that is not a leak: lambdas and other hidden classes, dynamic proxies, and the
 *     tiny loaders of reflection accessors.
 *   - suspect loaders: not closed, but superseded by a newer loader with the same jar set and
 *     idle for a long time.
 *
 * Workload: the agent feeds every loaded class once per inventory (10^4..10^6 classes) as a
 * 64-bit hash of its name and its loader id (24 bytes per class, no names kept); names are
 * fetched again only for hash groups that span an ancestor and a descendant.
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_INVENTORY_H
#define METALEAK_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/registry.h"

#define ML_SHADOW_EXAMPLES 20    /* shadowed classes named per loader; the rest are counted */

/* One loaded class as the inventory sees it. */
struct ml_inv_class {
    uint64_t name_hash;          /* ml_inv_hash of its Java name */
    uint64_t loader_id;          /* defining loader, ML_ID_NONE when untracked */
    uint32_t index;              /* the caller's index (to fetch the name again) */
};

/* A candidate shadowing: class `child` (index) of loader child_id has the same name hash as
 * class `ancestor` of an ancestor loader. The caller confirms with the names. */
struct ml_inv_shadow {
    uint32_t child, ancestor;    /* the caller's indices of the two classes */
    uint64_t child_id, ancestor_id;
    uint64_t name_hash;          /* the name hash they share */
};

/* FNV-1a 64 of a NUL-terminated name. */
uint64_t ml_inv_hash(const char *name);

/* Class-name kinds of growth that is not a leak. */
bool ml_inv_is_lambda(const char *class_name);   /* "...$$Lambda..." hidden classes */
bool ml_inv_is_proxy(const char *class_name);    /* "$ProxyN" in any package */
/* Loaders of reflection accessors (jdk.internal.reflect / sun.reflect DelegatingClassLoader). */
bool ml_inv_is_reflection_loader(const char *loader_class);

/* True when `ancestor` is a strict ancestor of `id` along parent_id links (depth-bounded). The
 * caller holds the registry lock. */
bool ml_inv_is_ancestor(const struct ml_registry *reg, uint64_t id, uint64_t ancestor);

/* Sorts classes (in place) by name hash and writes up to max candidate shadowings into out:
 * pairs with equal hashes where one loader is an ancestor of the other. Returns the number of
 * candidates found (may exceed max; only max are written). */
size_t ml_inv_shadow_candidates(const struct ml_registry *reg, struct ml_inv_class *classes,
                                size_t n, struct ml_inv_shadow *out, size_t max);

/* The jar-set key of a loader's URLs: Flink blob URLs count by content hash (two submissions
 * of one jar have the same key), other URLs as they are; order does not matter. Writes into
 * out; returns false when the key does not fit or there are no URLs. */
bool ml_inv_jarset_key(const char *const *urls, uint32_t n, char *out, size_t outlen);

/* Marks live loaders that are superseded (a newer live loader has the same jar set) and have
 * defined nothing for at least idle_ms as suspect (l->suspect, l->superseded_by). idle_ms 0
 * turns this off. Returns the number of suspects. The caller holds the registry lock. */
uint32_t ml_inv_mark_suspects(struct ml_registry *reg, int64_t now_ms, int64_t idle_ms);

#endif
