/* Paths through other leaks (refthrough.h). */
#include "refthrough.h"

#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

uint64_t *ml_refthrough_leaked_ids(struct ml_registry *reg, size_t *n)
{
    uint64_t *ids = NULL, *grown;
    size_t cap = 0;

    *n = 0;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        if (!l->verdict.leaked)
            continue;
        if (*n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            grown = realloc(ids, cap * sizeof(*ids));
            if (grown == NULL) {
                free(ids);
                *n = 0;
                return NULL;
            }
            ids = grown;
        }
        ids[(*n)++] = l->id;
    }
    if (ids != NULL)
        qsort(ids, *n, sizeof(*ids), cmp_u64);
    return ids;
}

bool ml_refthrough_mark(struct ml_path *p, uint64_t self, const uint64_t *leaked,
                         size_t n_leaked)
{
    bool marked = false;

    for (size_t i = 0; i < p->n_steps && n_leaked > 0; i++) {
        struct ml_step *st = &p->steps[i];

        if (st->owned || st->owned_by != 0 || st->loader_id == UINT64_MAX ||
            st->loader_id == 0 || st->loader_id == self)
            continue;
        if (bsearch(&st->loader_id, leaked, n_leaked, sizeof(*leaked), cmp_u64) != NULL) {
            st->owned_by = st->loader_id;
            marked = true;
        }
    }
    return marked;
}
