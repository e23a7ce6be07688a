/* The reference-path search graph (see pathgraph.h). */
#include "metaleak/pathgraph.h"

#include <stdlib.h>
#include <string.h>

static const char *const REF_NAMES[] = {
    [ML_REF_OTHER] = "other",
    [ML_REF_CLASS] = "class",
    [ML_REF_FIELD] = "field",
    [ML_REF_ARRAY_ELEMENT] = "array-element",
    [ML_REF_CLASS_LOADER] = "class-loader",
    [ML_REF_SIGNERS] = "signers",
    [ML_REF_PROTECTION_DOMAIN] = "protection-domain",
    [ML_REF_INTERFACE] = "interface",
    [ML_REF_STATIC_FIELD] = "static-field",
    [ML_REF_CONSTANT_POOL] = "constant-pool",
    [ML_REF_SUPERCLASS] = "superclass",
    [ML_REF_ROOT_JNI_GLOBAL] = "jni-global",
    [ML_REF_ROOT_SYSTEM_CLASS] = "system-class",
    [ML_REF_ROOT_MONITOR] = "monitor",
    [ML_REF_ROOT_STACK_LOCAL] = "stack-local",
    [ML_REF_ROOT_JNI_LOCAL] = "jni-local",
    [ML_REF_ROOT_THREAD] = "thread",
    [ML_REF_ROOT_OTHER] = "other",
    [ML_REF_ANCHOR_THREAD] = "thread",
    [ML_REF_ANCHOR_CLASS] = "class",
};

const char *ml_ref_name(enum ml_ref ref)
{
    if ((size_t)ref >= sizeof(REF_NAMES) / sizeof(REF_NAMES[0]) || REF_NAMES[ref] == NULL)
        return "other";
    return REF_NAMES[ref];
}

bool ml_ref_is_root(enum ml_ref ref)
{
    return ref >= ML_REF_ROOT_JNI_GLOBAL;
}

static uint64_t make_tag(uint64_t kind, uint32_t idx)
{
    return (kind << ML_PG_KIND_SHIFT) | idx;
}

/* Grows *arr (elements of size elem) to hold one more than *n, doubling up to max. Returns
 * false when max is reached or memory is out (flags set on pg). */
static bool grow(struct ml_pg *pg, void **arr, uint32_t *cap, uint32_t n, uint32_t max,
                 size_t elem)
{
    uint32_t ncap;
    void *p;

    if (n < *cap)
        return true;
    if (n >= max) {
        pg->full = true;
        return false;
    }
    ncap = *cap == 0 ? 64 : *cap * 2;
    if (ncap > max)
        ncap = max;
    p = realloc(*arr, (size_t)ncap * elem);
    if (p == NULL) {
        pg->nomem = true;
        return false;
    }
    *arr = p;
    *cap = ncap;
    return true;
}

struct ml_pg *ml_pg_new(uint32_t n_targets, uint32_t max_nodes, uint32_t max_edges)
{
    struct ml_pg *pg = calloc(1, sizeof(*pg));

    if (pg == NULL)
        return NULL;
    pg->n_targets = n_targets;
    pg->max_nodes = max_nodes;
    pg->max_edges = max_edges;
    pg->best = malloc(((size_t)n_targets + 1) * sizeof(*pg->best));
    pg->reachable = calloc((size_t)n_targets + 1, sizeof(*pg->reachable));
    pg->durable = calloc((size_t)n_targets + 1, sizeof(*pg->durable));
    /* Everything a walk's callback may need, at its maximum: nothing grows during a walk. */
    pg->nodes = malloc(((size_t)max_nodes + 1) * sizeof(*pg->nodes));
    pg->edges = malloc(((size_t)max_edges + 1) * sizeof(*pg->edges));
    pg->scratch_start = malloc(((size_t)max_nodes + 2) * sizeof(*pg->scratch_start));
    pg->scratch_adj = malloc(((size_t)max_edges + 1) * sizeof(*pg->scratch_adj));
    pg->scratch_queue = malloc(((size_t)max_nodes + 1) * sizeof(*pg->scratch_queue));
    pg->scratch_fill = malloc(((size_t)max_nodes + 2) * sizeof(*pg->scratch_fill));
    pg->scratch_set = malloc(((size_t)n_targets + 1) * sizeof(*pg->scratch_set));
    if (pg->best == NULL || pg->reachable == NULL || pg->durable == NULL || pg->nodes == NULL ||
        pg->edges == NULL || pg->scratch_start == NULL || pg->scratch_adj == NULL ||
        pg->scratch_queue == NULL || pg->scratch_fill == NULL || pg->scratch_set == NULL) {
        ml_pg_free(pg);
        return NULL;
    }
    pg->cap_nodes = max_nodes;
    pg->cap_edges = max_edges;
    for (uint32_t t = 0; t < n_targets; t++)
        pg->best[t] = -1;
    return pg;
}

void ml_pg_free(struct ml_pg *pg)
{
    if (pg == NULL)
        return;
    free(pg->classes);
    free(pg->threads);
    free(pg->nodes);
    free(pg->edges);
    free(pg->best);
    free(pg->reachable);
    free(pg->durable);
    free(pg->scratch_start);
    free(pg->scratch_adj);
    free(pg->scratch_queue);
    free(pg->scratch_fill);
    free(pg->scratch_set);
    free(pg);
}

uint64_t ml_pg_add_class(struct ml_pg *pg, uint64_t loader_id, int32_t target)
{
    struct ml_pg_class *c;

    if (!grow(pg, (void **)&pg->classes, &pg->cap_classes, pg->n_classes, UINT32_MAX / 2,
              sizeof(*pg->classes)))
        return 0;
    c = &pg->classes[pg->n_classes];
    c->loader_id = loader_id;
    c->target = target;
    c->node = -1;
    return make_tag(ML_PG_KIND_CLASS, pg->n_classes++) | (target >= 0 ? ML_PG_OWNED : 0);
}

uint64_t ml_pg_add_thread(struct ml_pg *pg, bool ignore)
{
    struct ml_pg_thread *t;

    if (!grow(pg, (void **)&pg->threads, &pg->cap_threads, pg->n_threads, UINT32_MAX / 2,
              sizeof(*pg->threads)))
        return 0;
    t = &pg->threads[pg->n_threads];
    t->node = -1;
    t->ignore = ignore;
    t->weak = false;
    return make_tag(ML_PG_KIND_THREAD, pg->n_threads++);
}

void ml_pg_weaken_thread(struct ml_pg *pg, uint64_t tag)
{
    if (ML_PG_KIND(tag) == ML_PG_KIND_THREAD && ML_PG_IDX(tag) < pg->n_threads)
        pg->threads[ML_PG_IDX(tag)].weak = true;
}

/* A new node; returns its index or -1 (cap or memory: flags set). */
static int32_t new_node(struct ml_pg *pg, uint64_t tag, enum ml_pg_object object,
                        uint32_t ref_idx, uint32_t class_idx, int32_t target, enum ml_ref anchor)
{
    struct ml_pg_node *n;

    if (!grow(pg, (void **)&pg->nodes, &pg->cap_nodes, pg->n_nodes, pg->max_nodes,
              sizeof(*pg->nodes)))
        return -1;
    n = &pg->nodes[pg->n_nodes];
    n->tag = tag;
    n->object = object;
    n->ref_idx = ref_idx;
    n->class_idx = class_idx;
    n->target = target;
    n->pass = pg->pass;
    n->anchor = anchor;
    n->through = false;
    n->dist = -1;
    n->via = -1;
    n->no_jni_root = false;
    n->weak = false;
    n->retired = false;
    pg->new_nodes++;
    return (int32_t)pg->n_nodes++;
}

uint64_t ml_pg_add_target(struct ml_pg *pg, int32_t t, uint32_t class_idx)
{
    uint64_t tag = make_tag(ML_PG_KIND_NODE, pg->n_nodes) | ML_PG_OWNED;

    if (new_node(pg, tag, ML_OBJ_LOADER, 0, class_idx, t, ML_REF_OTHER) < 0)
        return 0;
    return tag;
}

uint64_t ml_pg_add_own_global(struct ml_pg *pg, uint32_t class_idx)
{
    uint64_t tag = make_tag(ML_PG_KIND_NODE, pg->n_nodes);
    int32_t n = new_node(pg, tag, ML_OBJ_INSTANCE, 0, class_idx, ML_PG_NO_TARGET, ML_REF_OTHER);

    if (n < 0)
        return 0;
    pg->nodes[n].no_jni_root = true;
    return tag;
}

void ml_pg_begin_pass(struct ml_pg *pg)
{
    pg->pass++;
    pg->new_nodes = 0;
}

static uint32_t class_of(const struct ml_pg *pg, uint64_t class_tag)
{
    if (ML_PG_KIND(class_tag) != ML_PG_KIND_CLASS || ML_PG_IDX(class_tag) >= pg->n_classes)
        return UINT32_MAX;
    return ML_PG_IDX(class_tag);
}

static int32_t target_of_class(const struct ml_pg *pg, uint32_t class_idx)
{
    return class_idx == UINT32_MAX ? ML_PG_NO_TARGET : pg->classes[class_idx].target;
}

/* The target that owns an object: through its own tag (the loader, a class, a node) or its
 * class's tag; ML_PG_NO_TARGET when none. */
static int32_t owner(const struct ml_pg *pg, uint64_t tag, uint64_t class_tag)
{
    uint32_t idx = ML_PG_IDX(tag);

    if ((tag & ML_PG_OWNED) != 0) {
        if (ML_PG_KIND(tag) == ML_PG_KIND_NODE && idx < pg->n_nodes)
            return pg->nodes[idx].target;
        if (ML_PG_KIND(tag) == ML_PG_KIND_CLASS && idx < pg->n_classes)
            return pg->classes[idx].target;
    }
    if ((class_tag & ML_PG_OWNED) != 0)
        return target_of_class(pg, class_of(pg, class_tag));
    return ML_PG_NO_TARGET;
}

/* The node of an object given its tag (creating class and thread proxies, or a new node for an
 * untagged object, whose tag is then set). -1 when nothing can be recorded. A referrer owned
 * by a target is a "through" node (a chain of another target runs through it); it is never an
 * anchor. */
static int32_t node_of(struct ml_pg *pg, uint64_t *tag, uint64_t class_tag, bool referrer)
{
    uint64_t t = *tag;
    uint32_t cls = class_of(pg, class_tag);
    uint32_t idx = ML_PG_IDX(t);
    int32_t n, target;

    switch (ML_PG_KIND(t)) {
    case ML_PG_KIND_NODE:
        if (idx >= pg->n_nodes)
            return -1;
        /* A node registered before the walks joins the frontier when first met as a
         * referrer, like a node tagged now. */
        if (referrer && pg->nodes[idx].pass == 0 && pg->nodes[idx].target < 0 &&
            pg->nodes[idx].anchor == ML_REF_OTHER && pg->pass > 0) {
            pg->nodes[idx].pass = pg->pass;
            pg->new_nodes++;
        }
        return (int32_t)idx;
    case ML_PG_KIND_CLASS:
        if (idx >= pg->n_classes)
            return -1;
        if (pg->classes[idx].node >= 0)
            return pg->classes[idx].node;
        target = pg->classes[idx].target;
        if (referrer && target < 0 && (t & ML_PG_PLAIN) != 0) {
            /* A hidden class: a plain node, whose referrers are searched. It takes a node's
             * tag, so that references into it are seen by the next walks. */
            uint64_t nt = make_tag(ML_PG_KIND_NODE, pg->n_nodes);

            n = new_node(pg, nt, ML_OBJ_CLASS, idx, cls, ML_PG_NO_TARGET, ML_REF_OTHER);
            if (n >= 0)
                *tag = nt;
            pg->classes[idx].node = n;
            return n;
        }
        n = new_node(pg, t, ML_OBJ_CLASS, idx, cls, target,
                     referrer && target < 0 ? ML_REF_ANCHOR_CLASS : ML_REF_OTHER);
        if (n >= 0)
            pg->nodes[n].through = referrer && target >= 0;
        pg->classes[idx].node = n;
        return n;
    case ML_PG_KIND_THREAD:
        if (idx >= pg->n_threads)
            return -1;
        if (pg->threads[idx].node < 0) {
            /* A thread of a leaked loader's class is reached by its thread root instead. */
            target = target_of_class(pg, cls);
            pg->threads[idx].node =
                new_node(pg, t, ML_OBJ_THREAD, idx, cls, target,
                         referrer && target < 0 ? ML_REF_ANCHOR_THREAD : ML_REF_OTHER);
            if (pg->threads[idx].node >= 0)
                pg->nodes[pg->threads[idx].node].weak = pg->threads[idx].weak;
        }
        return pg->threads[idx].node;
    default:
        break;
    }
    if (t != 0)
        return -1;
    t = make_tag(ML_PG_KIND_NODE, pg->n_nodes);
    if (referrer && (class_tag & ML_PG_MIRROR) != 0) {
        /* An untagged class (no leaked loader defined it): its static fields hold the rest of
         * the chain, and it lives with its loader. */
        n = new_node(pg, t, ML_OBJ_CLASS, UINT32_MAX, cls, ML_PG_NO_TARGET,
                     ML_REF_ANCHOR_CLASS);
        if (n >= 0)
            *tag = t;
        return n;
    }
    target = target_of_class(pg, cls);
    if (target >= 0)
        t |= ML_PG_OWNED;
    n = new_node(pg, t, ML_OBJ_INSTANCE, 0, cls, target, ML_REF_OTHER);
    if (n >= 0) {
        pg->nodes[n].through = referrer && target >= 0;
        *tag = t;
    }
    return n;
}

static void add_edge(struct ml_pg *pg, int32_t from, int32_t to, const struct ml_pg_refinfo *info)
{
    struct ml_pg_edge *e;

    if (to < 0 || !grow(pg, (void **)&pg->edges, &pg->cap_edges, pg->n_edges, pg->max_edges,
                        sizeof(*pg->edges)))
        return;
    e = &pg->edges[pg->n_edges++];
    e->from = from;
    e->to = to;
    e->info = *info;
}

/* A root edge found on one of our own (ignored) threads. */
static bool ignored_root(const struct ml_pg *pg, const struct ml_pg_refinfo *info)
{
    uint64_t t = info->thread_tag;

    return (info->ref == ML_REF_ROOT_STACK_LOCAL || info->ref == ML_REF_ROOT_JNI_LOCAL) &&
           ML_PG_KIND(t) == ML_PG_KIND_THREAD && ML_PG_IDX(t) < pg->n_threads &&
           pg->threads[ML_PG_IDX(t)].ignore;
}

/* The node of the referred object when it is on the frontier: tagged by the previous walk (or
 * a registered node that joined it then), and not an anchor. -1 otherwise. */
static int32_t frontier(const struct ml_pg *pg, uint64_t tag)
{
    uint32_t idx = ML_PG_IDX(tag);
    int32_t n = -1;

    if (ML_PG_KIND(tag) == ML_PG_KIND_NODE && idx < pg->n_nodes)
        n = (int32_t)idx;
    else if (ML_PG_KIND(tag) == ML_PG_KIND_CLASS && idx < pg->n_classes)
        n = pg->classes[idx].node;
    if (n < 0 || pg->nodes[n].pass == 0 || pg->nodes[n].pass + 1 != pg->pass ||
        pg->nodes[n].anchor != ML_REF_OTHER || pg->nodes[n].retired)
        return -1;
    return n;
}

void ml_pg_ref(struct ml_pg *pg, const struct ml_pg_refinfo *info, uint64_t class_tag,
               uint64_t referrer_class_tag, uint64_t *tag, uint64_t *referrer_tag)
{
    int32_t owned_by = owner(pg, *tag, class_tag);
    int32_t from_owner = referrer_tag != NULL ? owner(pg, *referrer_tag, referrer_class_tag)
                                              : ML_PG_NO_TARGET;
    int32_t to, from = -1;

    if (referrer_tag == NULL && ignored_root(pg, info))
        return;
    /* Reported at all: the referrer was visited, so the object is strongly reachable. */
    if (owned_by >= 0 && (uint32_t)owned_by < pg->n_targets)
        pg->reachable[owned_by] = true;
    if (info->ref == ML_REF_CLASS)
        return; /* an object's reference to its class: never why the class lives */
    if (owned_by >= 0) {
        if (pg->pass == 1) {
            if (from_owner == owned_by)
                return; /* inside the leak: reachable only through it */
            to = node_of(pg, tag, class_tag, false); /* an entry edge */
        } else {
            /* Entry edges are all found by the first walk; later walks follow a through
             * node back inside its own loader. */
            to = frontier(pg, *tag);
            if (to < 0 || !pg->nodes[to].through || from_owner != owned_by)
                return;
        }
    } else {
        to = frontier(pg, *tag);
        if (to < 0)
            return; /* not a node of the previous walk's frontier */
        if (from_owner >= 0 && pg->n_targets < 2)
            return; /* inside the only leak: reachable only through it */
    }
    if (to < 0)
        return;
    if (referrer_tag == NULL && info->ref == ML_REF_ROOT_JNI_GLOBAL && pg->nodes[to].no_jni_root)
        return; /* the agent's own handle */
    if (referrer_tag != NULL) {
        from = node_of(pg, referrer_tag, referrer_class_tag, true);
        if (from < 0)
            return;
    }
    add_edge(pg, from, to, info);
}

static bool stack_root(enum ml_ref ref)
{
    return ref == ML_REF_ROOT_STACK_LOCAL || ref == ML_REF_ROOT_JNI_LOCAL;
}

/* How far an owned node is for choosing a target's chain: its distance, and one more for the
 * loader object itself, which says less than a class or an instance it owns (see pathgraph.h). */
static int32_t rank(const struct ml_pg_node *n)
{
    return n->dist * 2 + (n->object == ML_OBJ_LOADER ? 3 : 0);
}

/* For every target without a chain yet (only_unset) or every target, its reached owned node
 * closest to a root or anchor. */
static void pick_best(struct ml_pg *pg, bool only_unset)
{
    bool *set = pg->scratch_set;

    for (uint32_t t = 0; t < pg->n_targets; t++)
        set[t] = only_unset && pg->best[t] >= 0;
    for (uint32_t i = 0; i < pg->n_nodes; i++) {
        int32_t t = pg->nodes[i].target;

        if (t < 0 || (uint32_t)t >= pg->n_targets || pg->nodes[i].dist < 0 || set[t])
            continue;
        if (pg->best[t] < 0 || rank(&pg->nodes[i]) < rank(&pg->nodes[pg->best[t]]))
            pg->best[t] = (int32_t)i;
    }
}

uint32_t ml_pg_solve(struct ml_pg *pg, bool *found)
{
    uint32_t n = pg->n_nodes, reached = 0;
    /* The work arrays of ml_pg_new (n <= max_nodes, n_edges <= max_edges): called from a
     * heap-walk callback, this function allocates nothing. */
    uint32_t *start = pg->scratch_start, *adj = pg->scratch_adj, *queue = pg->scratch_queue;
    uint32_t *fill = pg->scratch_fill;
    uint32_t head = 0, tail = 0;

    for (uint32_t t = 0; t < pg->n_targets; t++) {
        pg->best[t] = -1;
        if (found != NULL)
            found[t] = false;
    }
    memset(start, 0, ((size_t)n + 1) * sizeof(*start));
    /* Edges grouped by their source node (counting sort). */
    for (uint32_t e = 0; e < pg->n_edges; e++)
        if (pg->edges[e].from >= 0)
            start[pg->edges[e].from + 1]++;
    for (uint32_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    memcpy(fill, start, ((size_t)n + 1) * sizeof(*fill));
    for (uint32_t e = 0; e < pg->n_edges; e++)
        if (pg->edges[e].from >= 0)
            adj[fill[pg->edges[e].from]++] = e;
    for (uint32_t i = 0; i < n; i++) {
        pg->nodes[i].dist = -1;
        pg->nodes[i].via = -1;
    }
    /* Three tiers, each only for the targets the ones before did not reach: (0) anchors at
     * distance 0 and what durable GC roots refer to at distance 1; (1) what thread stacks refer
     * to (a local variable or JNI local reference: a thread merely passing by -- iterating over
     * DriverManager's drivers, say -- must not hide the static field that keeps the loader for
     * good); (2) weak anchors (shutdown hooks the JVM is running). Returns the targets tier 0
     * reaches. */
    for (uint32_t i = 0; i < n; i++)
        if (pg->nodes[i].anchor != ML_REF_OTHER && !pg->nodes[i].weak) {
            pg->nodes[i].dist = 0;
            queue[tail++] = i;
        }
    for (int tier = 0; tier < 3; tier++) {
        if (tier == 1) {
            /* What durable sources reach counts for the caller's stop test: a later walk may
             * still find a durable chain for a target only a stack reaches so far, or an owned
             * class or instance one step further than the loader object (rank()). */
            pick_best(pg, false);
            for (uint32_t t = 0; t < pg->n_targets; t++) {
                /* A chain ending at the loader object is durable only once the walks went
                 * one step further (a class or instance it owns may still be closer). */
                pg->durable[t] = pg->best[t] >= 0 &&
                                 (pg->nodes[pg->best[t]].object != ML_OBJ_LOADER ||
                                  (int32_t)pg->pass > pg->nodes[pg->best[t]].dist);
                reached += pg->durable[t];
            }
        }
        if (tier == 2) {
            pick_best(pg, true);
            for (uint32_t i = 0; i < n; i++)
                if (pg->nodes[i].weak && pg->nodes[i].anchor != ML_REF_OTHER &&
                    pg->nodes[i].dist < 0) {
                    pg->nodes[i].dist = 0;
                    queue[tail++] = i;
                }
        }
        for (uint32_t e = 0; tier < 2 && e < pg->n_edges; e++) {
            int32_t to = pg->edges[e].to;

            if (pg->edges[e].from >= 0 || pg->nodes[to].dist >= 0 ||
                stack_root(pg->edges[e].info.ref) != (tier == 1))
                continue;
            pg->nodes[to].dist = 1;
            pg->nodes[to].via = (int32_t)e;
            queue[tail++] = (uint32_t)to;
        }
        while (head < tail) {
            uint32_t v = queue[head++];

            /* An owned object ends its own target's chain; only the edges into other targets'
             * objects (or on to them) leave it: another target's chain may go on. */
            for (uint32_t k = start[v]; k < start[v + 1]; k++) {
                uint32_t e = adj[k];
                int32_t to = pg->edges[e].to;

                if (pg->nodes[to].dist >= 0)
                    continue;
                pg->nodes[to].dist = pg->nodes[v].dist + 1;
                pg->nodes[to].via = (int32_t)e;
                queue[tail++] = (uint32_t)to;
            }
        }
    }
    /* Targets only weak anchors reach get their closest chain from them. */
    pick_best(pg, true);
    for (uint32_t t = 0; t < pg->n_targets; t++)
        if (pg->best[t] >= 0 && found != NULL)
            found[t] = true;
    return reached;
}

size_t ml_pg_path(const struct ml_pg *pg, int32_t t, int32_t *out, size_t max)
{
    size_t len = 0;
    int32_t v;

    if (t < 0 || (uint32_t)t >= pg->n_targets || pg->best[t] < 0)
        return 0;
    /* Walk back from the owned node, then reverse. */
    for (v = pg->best[t]; v >= 0 && pg->nodes[v].via >= 0 && len < max;) {
        int32_t e = pg->nodes[v].via;

        out[len++] = e;
        v = pg->edges[e].from;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int32_t tmp = out[i];

        out[i] = out[len - 1 - i];
        out[len - 1 - i] = tmp;
    }
    return len;
}
