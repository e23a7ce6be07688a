/* The frontier of the reference-path search between two walks (pathgraph.h): which nodes the
 * next walk looks for referrers of, and retiring those that lead only to loaders that already
 * have a durable chain. Runs between walks, never inside a heap-walk callback. */
#include "metaleak/pathgraph.h"

#include <stdlib.h>
#include <string.h>

/* A node whose referrers the next pass looks for: tagged by the current pass, not an anchor,
 * not owned unless a through node (its referrers inside its own loader lead on to another
 * target's chain), not retired. */
static bool in_frontier(const struct ml_pg *pg, uint32_t i)
{
    const struct ml_pg_node *n = &pg->nodes[i];

    return n->pass == pg->pass && pg->pass > 0 && n->anchor == ML_REF_OTHER &&
           (n->target < 0 || n->through) && !n->retired;
}

uint32_t ml_pg_focus(struct ml_pg *pg)
{
    uint32_t n = pg->n_nodes, left = 0, head = 0, tail = 0;
    uint32_t *start = NULL, *adj = NULL, *queue = NULL, *fill = NULL;
    bool *useful = NULL;

    start = calloc((size_t)n + 2, sizeof(*start));
    adj = malloc(((size_t)pg->n_edges + 1) * sizeof(*adj));
    queue = malloc(((size_t)n + 1) * sizeof(*queue));
    fill = malloc(((size_t)n + 1) * sizeof(*fill));
    useful = calloc((size_t)n + 1, sizeof(*useful));
    if (start == NULL || adj == NULL || queue == NULL || fill == NULL || useful == NULL) {
        /* Nothing retired: the next pass looks for every referrer, as without focus. */
        for (uint32_t i = 0; i < n; i++)
            left += in_frontier(pg, i);
        goto cleanup;
    }
    /* Edges grouped by the node they point to, to go from owned objects back to referrers. */
    for (uint32_t e = 0; e < pg->n_edges; e++)
        start[pg->edges[e].to + 1]++;
    for (uint32_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    memcpy(fill, start, (size_t)n * sizeof(*fill));
    for (uint32_t e = 0; e < pg->n_edges; e++)
        adj[fill[pg->edges[e].to]++] = e;
    /* From the owned objects of targets without a durable chain, back along the edges. */
    for (uint32_t i = 0; i < n; i++) {
        int32_t t = pg->nodes[i].target;

        if (t >= 0 && (uint32_t)t < pg->n_targets && !pg->durable[t]) {
            useful[i] = true;
            queue[tail++] = i;
        }
    }
    while (head < tail) {
        uint32_t v = queue[head++];

        for (uint32_t k = start[v]; k < start[v + 1]; k++) {
            int32_t from = pg->edges[adj[k]].from;

            if (from < 0 || useful[from])
                continue;
            useful[from] = true;
            queue[tail++] = (uint32_t)from;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!in_frontier(pg, i))
            continue;
        if (useful[i])
            left++;
        else
            pg->nodes[i].retired = true;
    }
cleanup:
    free(start);
    free(adj);
    free(queue);
    free(fill);
    free(useful);
    return left;
}

uint32_t ml_pg_frontier(const struct ml_pg *pg, uint64_t *out, uint32_t max)
{
    uint32_t k = 0;

    for (uint32_t i = 0; i < pg->n_nodes; i++) {
        if (!in_frontier(pg, i))
            continue;
        if (k < max)
            out[k] = pg->nodes[i].tag;
        k++;
    }
    return k;
}
