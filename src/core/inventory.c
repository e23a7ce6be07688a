/* Class inventory: shadowed classes, growth that is not a leak, suspect loaders (see
 * inventory.h). */
#include "metaleak/inventory.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64             /* parent links followed; loaders nest a few levels deep */

uint64_t ml_inv_hash(const char *name)
{
    uint64_t h = 1469598103934665603ULL;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

bool ml_inv_is_lambda(const char *class_name)
{
    return class_name != NULL && strstr(class_name, "$$Lambda") != NULL;
}

bool ml_inv_is_proxy(const char *class_name)
{
    const char *simple;

    if (class_name == NULL)
        return false;
    simple = strrchr(class_name, '.');
    simple = simple != NULL ? simple + 1 : class_name;
    if (strncmp(simple, "$Proxy", 6) != 0 || simple[6] == '\0')
        return false;
    for (const char *p = simple + 6; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

bool ml_inv_is_reflection_loader(const char *loader_class)
{
    return loader_class != NULL &&
           (strcmp(loader_class, "jdk.internal.reflect.DelegatingClassLoader") == 0 ||
            strcmp(loader_class, "sun.reflect.DelegatingClassLoader") == 0);
}

bool ml_inv_is_ancestor(const struct ml_registry *reg, uint64_t id, uint64_t ancestor)
{
    const struct ml_loader *l = ml_registry_find_id(reg, id);

    for (int depth = 0; l != NULL && depth < MAX_DEPTH; depth++) {
        if (l->parent_id == ML_ID_NONE)
            return false;
        if (l->parent_id == ancestor)
            return true;
        if (l->parent_id == l->id)
            return false;
        l = ml_registry_find_id(reg, l->parent_id);
    }
    return false;
}

static int by_hash(const void *a, const void *b)
{
    const struct ml_inv_class *x = a, *y = b;

    if (x->name_hash != y->name_hash)
        return x->name_hash < y->name_hash ? -1 : 1;
    return x->loader_id < y->loader_id ? -1 : x->loader_id > y->loader_id;
}

/* parent[id] for every loader in the registry (ML_ID_NONE when unknown); *n_ids the size. */
static uint64_t *parent_table(const struct ml_registry *reg, uint64_t *n_ids)
{
    uint64_t max = 0, *parent;

    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        if (l->id > max)
            max = l->id;
    parent = malloc((size_t)(max + 1) * sizeof(*parent));
    if (parent == NULL)
        return NULL;
    for (uint64_t i = 0; i <= max; i++)
        parent[i] = ML_ID_NONE;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        parent[l->id] = l->parent_id;
    *n_ids = max + 1;
    return parent;
}

/* Index of a class of loader id within run[0..n) (sorted by loader id), or -1. */
static long find_loader(const struct ml_inv_class *run, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (run[mid].loader_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && run[lo].loader_id == id ? (long)lo : -1;
}

size_t ml_inv_shadow_candidates(const struct ml_registry *reg, struct ml_inv_class *classes,
                                size_t n, struct ml_inv_shadow *out, size_t max)
{
    size_t found = 0;
    uint64_t n_ids = 0;
    uint64_t *parent;

    qsort(classes, n, sizeof(*classes), by_hash);
    parent = parent_table(reg, &n_ids);
    if (parent == NULL)
        return 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;

        while (j < n && classes[j].name_hash == classes[i].name_hash)
            j++;
        /* A run is one name in several loaders (sorted by loader id). For each copy, walk up
         * its loader's parents and look each one up in the run: O(copies x depth x log). Two
         * sibling copies (two submissions of one job) never match. */
        for (size_t a = i; j - i > 1 && a < j; a++) {
            uint64_t id = classes[a].loader_id;

            for (int depth = 0; depth < MAX_DEPTH && id < n_ids; depth++) {
                uint64_t up = parent[id];
                long b;

                if (up == ML_ID_NONE || up == id)
                    break;
                b = find_loader(classes + i, j - i, up);
                if (b >= 0) {
                    if (found < max) {
                        out[found].child = classes[a].index;
                        out[found].ancestor = classes[i + (size_t)b].index;
                        out[found].child_id = classes[a].loader_id;
                        out[found].ancestor_id = up;
                        out[found].name_hash = classes[a].name_hash;
                    }
                    found++;
                    break; /* the nearest ancestor with that name is the one that shadows */
                }
                id = up;
            }
        }
        i = j;
    }
    free(parent);
    return found;
}

/* The part of a URL that identifies its content: "blob:<hash>" for a Flink blob
 * (".../blob_p-<40 hex>-<random>"), else the URL itself. */
static size_t url_key(const char *url, const char **start)
{
    const char *b = strstr(url, "/blob_p-");

    if (b != NULL) {
        size_t hex = 0;

        b += strlen("/blob_p-");
        while (hex < 40 && ((b[hex] >= '0' && b[hex] <= '9') || (b[hex] >= 'a' && b[hex] <= 'f')))
            hex++;
        if (hex == 40) {
            *start = b;
            return 40;
        }
    }
    *start = url;
    return strlen(url);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool ml_inv_jarset_key(const char *const *urls, uint32_t n, char *out, size_t outlen)
{
    const char **keys;
    size_t len = 0;
    bool ok = true;

    if (n == 0 || outlen == 0)
        return false;
    keys = malloc(n * sizeof(*keys));
    if (keys == NULL)
        return false;
    for (uint32_t i = 0; i < n; i++)
        keys[i] = urls[i];
    qsort(keys, n, sizeof(*keys), by_str);
    out[0] = '\0';
    for (uint32_t i = 0; i < n && ok; i++) {
        const char *start;
        size_t k = url_key(keys[i], &start);

        if (len + k + 2 > outlen) {
            ok = false;
            break;
        }
        memcpy(out + len, start, k);
        len += k;
        out[len++] = '\n';
        out[len] = '\0';
    }
    free(keys);
    return ok;
}

struct keyed {
    uint64_t key_hash;
    struct ml_loader *l;
};

static int by_key(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;

    if (x->key_hash != y->key_hash)
        return x->key_hash < y->key_hash ? -1 : 1;
    return x->l->id < y->l->id ? -1 : x->l->id > y->l->id;
}

uint32_t ml_inv_mark_suspects(struct ml_registry *reg, int64_t now_ms, int64_t idle_ms)
{
    static char key[16384];  /* worker thread only */
    struct ml_registry_stats st;
    struct keyed *all = NULL;
    size_t n = 0;
    uint32_t suspects = 0;

    ml_registry_stats(reg, &st);
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        l->suspect = false;
        l->superseded_by = ML_ID_NONE;
    }
    if (idle_ms <= 0)
        return 0;
    all = malloc(((size_t)st.in_use + 1) * sizeof(*all));
    if (all == NULL)
        return 0;
    /* Loaders that could supersede or be superseded, keyed by their jar set. */
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL && n <= st.in_use;
         l = ml_registry_next(reg, l)) {
        if (l->verdict.state == ML_STATE_UNLOADED || !l->url_loader || l->n_urls == 0 ||
            (l->role != ML_ROLE_USER_CODE && l->role != ML_ROLE_NONE) ||
            !ml_inv_jarset_key((const char *const *)l->urls, l->n_urls, key, sizeof(key)))
            continue;
        all[n].key_hash = ml_inv_hash(key) ^ (uint64_t)l->role;
        all[n].l = l;
        n++;
    }
    qsort(all, n, sizeof(*all), by_key);
    /* In a group of loaders with one jar set, the newest supersedes every other. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;

        while (j < n && all[j].key_hash == all[i].key_hash)
            j++;
        for (size_t k = i; k + 1 < j; k++) {
            struct ml_loader *l = all[k].l;
            int64_t last = atomic_load(&l->last_define_ms);

            if (l->verdict.state != ML_STATE_LIVE ||
                now_ms - (last >= 0 ? last : l->first_seen_ms) < idle_ms)
                continue;
            l->suspect = true;
            l->superseded_by = all[j - 1].l->id;
            suspects++;
        }
        i = j;
    }
    free(all);
    return suspects;
}
