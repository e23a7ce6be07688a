/* CMocka tests of src/core/pathgraph.c on recorded edge lists: a tiny heap (objects, their
 * classes, their references in the order a heap walk reports them) is walked pass after pass the
 * way src/agent/refwalk.c drives FollowReferences, and the chains found are checked: anchors,
 * tiers, chains through another leaked loader's objects, what is strongly reachable, which of
 * equally close owned objects ends a chain, hidden classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/pathgraph.h"
#include "testutil.h"

#define MAX_OBJS 512
#define MAX_REFS 512

struct obj {
    uint64_t tag;
    int cls;                   /* index of the object that is its class, -1 none */
};

struct ref {
    int from;                  /* -1: GC root */
    int to;
    enum ml_ref kind;
    int32_t index;
    int thread;                /* stack-local roots: index of the thread object, -1 none */
};

struct heap {
    struct obj objs[MAX_OBJS];
    int n_objs;
    struct ref refs[MAX_REFS];
    int n_refs;
    struct ml_pg *pg;
};

static int obj(struct heap *h, int cls)
{
    h->objs[h->n_objs].tag = 0;
    h->objs[h->n_objs].cls = cls;
    return h->n_objs++;
}

static void ref(struct heap *h, int from, int to, enum ml_ref kind, int32_t index)
{
    struct ref r = {from, to, kind, index, -1};

    h->refs[h->n_refs++] = r;
}

static uint64_t class_tag(const struct heap *h, int o)
{
    return h->objs[o].cls >= 0 ? h->objs[h->objs[o].cls].tag : 0;
}

/* One heap walk: every reference, in the recorded order. */
static void walk_once(struct heap *h)
{
    ml_pg_begin_pass(h->pg);
    for (int i = 0; i < h->n_refs; i++) {
        const struct ref *r = &h->refs[i];
        struct ml_pg_refinfo info = {r->kind, r->index, 0, NULL, -1};

        if (r->thread >= 0)
            info.thread_tag = h->objs[r->thread].tag;
        if (!ml_pg_interesting(h->objs[r->to].tag, class_tag(h, r->to)))
            continue;
        ml_pg_ref(h->pg, &info, class_tag(h, r->to), r->from < 0 ? 0 : class_tag(h, r->from),
                  &h->objs[r->to].tag, r->from < 0 ? NULL : &h->objs[r->from].tag);
    }
}

/* Walks until every target has a chain or nothing new is tagged; returns the walks made. */
static int search(struct heap *h, uint32_t n_targets)
{
    int walks = 0;

    while (walks < 20) {
        walk_once(h);
        walks++;
        if (ml_pg_solve(h->pg, NULL) == n_targets || h->pg->new_nodes == 0 || h->pg->full)
            break;
    }
    return walks;
}

/* The object a chain edge points to. */
static int edge_to_obj(const struct heap *h, int32_t e)
{
    uint64_t tag = h->pg->nodes[h->pg->edges[e].to].tag;

    for (int i = 0; i < h->n_objs; i++)
        if (h->objs[i].tag == tag)
            return i;
    return -1;
}

static int edge_from_obj(const struct heap *h, int32_t e)
{
    int32_t from = h->pg->edges[e].from;

    if (from < 0)
        return -1;
    for (int i = 0; i < h->n_objs; i++)
        if (h->objs[i].tag == h->pg->nodes[from].tag)
            return i;
    return -2;
}

/* Common classes: java.lang.Class-like holder objects for the objects below. */
struct world {
    struct heap h;
    int c_thread, c_jdk, c_ref, c_owned, loader;
};

static void world_init(struct world *w, uint32_t n_targets, uint32_t max_nodes)
{
    struct heap *h = &w->h;

    memset(w, 0, sizeof(*w));
    h->pg = ml_pg_new(n_targets, max_nodes, 1000);
    assert_non_null(h->pg);
    w->c_thread = obj(h, -1);
    h->objs[w->c_thread].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    w->c_jdk = obj(h, -1);
    h->objs[w->c_jdk].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    w->c_ref = obj(h, -1);
    h->objs[w->c_ref].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    w->c_owned = obj(h, -1);
    h->objs[w->c_owned].tag = ml_pg_add_class(h->pg, 7, 0);
    w->loader = obj(h, w->c_jdk);
    h->objs[w->loader].tag = ml_pg_add_target(h->pg, 0, (uint32_t)w->c_jdk);
    /* Every owned class points to its loader; no one else does. */
    ref(h, w->c_owned, w->loader, ML_REF_CLASS_LOADER, -1);
}

static void world_free(struct world *w)
{
    ml_pg_free(w->h.pg);
}

/* thread -> threadLocals -> map -> table[3] -> entry -> value (owned): four walks, the chain
 * starts at the live thread and ends at the owned value. */
static void test_thread_local_chain(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int thread, map, table, entry, value;
    int32_t chain[16];
    size_t len;

    (void)state;
    world_init(&w, 1, 1000);
    thread = obj(h, w.c_thread);
    h->objs[thread].tag = ml_pg_add_thread(h->pg, false);
    map = obj(h, w.c_jdk);
    table = obj(h, w.c_jdk);
    entry = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    ref(h, -1, thread, ML_REF_ROOT_THREAD, -1);
    ref(h, thread, map, ML_REF_FIELD, 5);
    ref(h, map, table, ML_REF_FIELD, 1);
    ref(h, table, entry, ML_REF_ARRAY_ELEMENT, 3);
    ref(h, entry, value, ML_REF_FIELD, 4);
    ref(h, value, w.c_owned, ML_REF_CLASS, -1);

    assert_int_equal(search(h, 1), 4);
    len = ml_pg_path(h->pg, 0, chain, 16);
    assert_int_equal(len, 4);
    assert_int_equal(edge_from_obj(h, chain[0]), thread);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[0]].from].anchor, ML_REF_ANCHOR_THREAD);
    assert_int_equal(edge_to_obj(h, chain[0]), map);
    assert_int_equal(edge_to_obj(h, chain[2]), entry);
    assert_int_equal(h->pg->edges[chain[2]].info.index, 3);
    assert_int_equal(edge_to_obj(h, chain[3]), value);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[3]].to].target, 0);
    world_free(&w);
}

/* A static field of a class of another loader: the class is the anchor; found in two walks. */
static void test_static_field_anchor(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int registry, list, value;
    int32_t chain[16];

    (void)state;
    world_init(&w, 1, 1000);
    registry = obj(h, w.c_jdk);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 1, ML_PG_NO_TARGET);
    list = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    ref(h, -1, registry, ML_REF_ROOT_SYSTEM_CLASS, -1);
    ref(h, registry, list, ML_REF_STATIC_FIELD, 2);
    ref(h, list, value, ML_REF_ARRAY_ELEMENT, 0);

    assert_int_equal(search(h, 1), 2);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 2);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_STATIC_FIELD);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[0]].from].anchor, ML_REF_ANCHOR_CLASS);
    world_free(&w);
}

/* An untagged class met as a referrer is recognised by the mirror bit on java.lang.Class's tag
 * and ends the chain as an anchor: only the classes the walk reads need tags. */
static void test_untagged_class_anchor(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int c_class, registry, list, value;
    int32_t chain[16];

    (void)state;
    world_init(&w, 1, 1000);
    c_class = obj(h, -1);
    h->objs[c_class].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET) | ML_PG_MIRROR;
    registry = obj(h, c_class);   /* a Class object, left untagged */
    list = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    ref(h, registry, list, ML_REF_STATIC_FIELD, 2);
    ref(h, list, value, ML_REF_ARRAY_ELEMENT, 0);

    assert_int_equal(search(h, 1), 2);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 2);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[0]].from].anchor, ML_REF_ANCHOR_CLASS);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[0]].from].object, ML_OBJ_CLASS);
    world_free(&w);
}

/* A JNI global root straight to the loader: one walk, a one-edge chain from the root. */
static void test_root_edge(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int32_t chain[4];

    (void)state;
    world_init(&w, 1, 1000);
    ref(h, -1, w.loader, ML_REF_ROOT_JNI_GLOBAL, -1);
    assert_int_equal(search(h, 1), 1);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 4), 1);
    assert_int_equal(h->pg->edges[chain[0]].from, -1);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_ROOT_JNI_GLOBAL);
    world_free(&w);
}

/* Objects only the leaked loader reaches (its own JDK-class maps) are no path: the search
 * ends when a walk tags nothing new, and reports nothing. */
static void test_internal_chain_is_no_path(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int map, node;
    int walks;

    (void)state;
    world_init(&w, 1, 1000);
    map = obj(h, w.c_jdk);
    node = obj(h, w.c_jdk);
    ref(h, w.loader, map, ML_REF_FIELD, 3);     /* owned referrer: ignored */
    ref(h, map, node, ML_REF_FIELD, 0);
    ref(h, node, w.c_owned, ML_REF_FIELD, 1);   /* entry edge from a JDK object */
    walks = search(h, 1);
    assert_true(walks <= 4);
    assert_int_equal(ml_pg_solve(h->pg, NULL), 0);
    assert_int_equal(h->pg->new_nodes, 0);
    world_free(&w);
}

/* Locals of our own worker thread are never a chain; a weak referent (skipped by the caller)
 * is simply not reported. */
static void test_ignored_thread_roots(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int worker, value;
    struct ref r;

    (void)state;
    world_init(&w, 1, 1000);
    worker = obj(h, w.c_thread);
    h->objs[worker].tag = ml_pg_add_thread(h->pg, true);
    value = obj(h, w.c_owned);
    r = (struct ref){-1, value, ML_REF_ROOT_STACK_LOCAL, -1, worker};
    h->refs[h->n_refs++] = r;
    search(h, 1);
    assert_int_equal(ml_pg_solve(h->pg, NULL), 0);
    world_free(&w);
}

/* Two leaked loaders behind one registry (DriverManager-like): one search serves both, and the
 * shared part of their chains is recorded once. */
/* Two leaked loaders (targets 0 and 1, loader objects la and lb) with a class each (c_a,
 * c_b), the JDK's class c_jdk, and a JDK class object `registry` to hang static fields on. */
static void two_loaders(struct heap *h, int *c_jdk, int *c_a, int *c_b, int *la, int *lb,
                        int *registry)
{
    memset(h, 0, sizeof(*h));
    h->pg = ml_pg_new(2, 1000, 1000);
    assert_non_null(h->pg);
    *c_jdk = obj(h, -1);
    h->objs[*c_jdk].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    *c_a = obj(h, -1);
    h->objs[*c_a].tag = ml_pg_add_class(h->pg, 3, 0);
    *c_b = obj(h, -1);
    h->objs[*c_b].tag = ml_pg_add_class(h->pg, 4, 1);
    *la = obj(h, *c_jdk);
    h->objs[*la].tag = ml_pg_add_target(h->pg, 0, 0);
    *lb = obj(h, *c_jdk);
    h->objs[*lb].tag = ml_pg_add_target(h->pg, 1, 0);
    *registry = obj(h, *c_jdk);
    h->objs[*registry].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
}

static void test_two_targets_share_a_chain(void **state)
{
    struct heap h;
    int c_jdk, c_a, c_b, la, lb, registry, list, array, info_a, info_b, drv_a, drv_b;
    bool found[2];
    int32_t chain[16];

    (void)state;
    two_loaders(&h, &c_jdk, &c_a, &c_b, &la, &lb, &registry);
    list = obj(&h, c_jdk);
    array = obj(&h, c_jdk);
    info_a = obj(&h, c_jdk);
    info_b = obj(&h, c_jdk);
    drv_a = obj(&h, c_a);
    drv_b = obj(&h, c_b);
    ref(&h, registry, list, ML_REF_STATIC_FIELD, 0);
    ref(&h, list, array, ML_REF_FIELD, 1);
    ref(&h, array, info_a, ML_REF_ARRAY_ELEMENT, 0);
    ref(&h, array, info_b, ML_REF_ARRAY_ELEMENT, 1);
    ref(&h, info_a, drv_a, ML_REF_FIELD, 0);
    ref(&h, info_b, drv_b, ML_REF_FIELD, 0);
    ref(&h, c_a, la, ML_REF_CLASS_LOADER, -1);
    ref(&h, c_b, lb, ML_REF_CLASS_LOADER, -1);

    assert_int_equal(search(&h, 2), 4);
    assert_int_equal(ml_pg_solve(h.pg, found), 2);
    assert_true(found[0] && found[1]);
    assert_int_equal(ml_pg_path(h.pg, 0, chain, 16), 4);
    assert_int_equal(edge_to_obj(&h, chain[3]), drv_a);
    assert_int_equal(ml_pg_path(h.pg, 1, chain, 16), 4);
    assert_int_equal(edge_to_obj(&h, chain[3]), drv_b);
    /* The array is one node although two chains go through it. */
    {
        int seen = 0;

        for (uint32_t i = 0; i < h.pg->n_nodes; i++)
            if (h.pg->nodes[i].tag == h.objs[array].tag)
                seen++;
        assert_int_equal(seen, 1);
    }
    ml_pg_free(h.pg);
}

/* ml_pg_focus: after a walk, the nodes that lead only to targets with a durable chain are
 * retired (a later walk does not look for their referrers), the others are the frontier whose
 * tags ml_pg_frontier gives; with every target solved nothing is left. */
static void test_focus(void **state)
{
    struct heap h;
    int c_jdk, c_a, c_b, la, lb, holder_a, other, holder_b, list, registry, a, b;
    uint64_t tags[4];

    (void)state;
    two_loaders(&h, &c_jdk, &c_a, &c_b, &la, &lb, &registry);
    a = obj(&h, c_a);
    b = obj(&h, c_b);
    holder_a = obj(&h, c_jdk);
    other = obj(&h, c_jdk);
    holder_b = obj(&h, c_jdk);
    list = obj(&h, c_jdk);
    ref(&h, -1, a, ML_REF_ROOT_JNI_GLOBAL, -1);   /* target 0: durable after walk 1 */
    ref(&h, other, holder_a, ML_REF_FIELD, 0);
    ref(&h, registry, list, ML_REF_STATIC_FIELD, 0);
    ref(&h, list, holder_b, ML_REF_FIELD, 1);
    ref(&h, holder_a, a, ML_REF_FIELD, 0);
    ref(&h, holder_b, b, ML_REF_FIELD, 0);
    ref(&h, c_a, la, ML_REF_CLASS_LOADER, -1);
    ref(&h, c_b, lb, ML_REF_CLASS_LOADER, -1);

    walk_once(&h);
    assert_int_equal(ml_pg_solve(h.pg, NULL), 1);
    /* holder_a leads only to target 0, which has its chain: retired */
    assert_int_equal(ml_pg_focus(h.pg), 1);
    assert_int_equal(ml_pg_frontier(h.pg, tags, 4), 1);
    assert_int_equal(tags[0], h.objs[holder_b].tag);
    assert_int_equal(ml_pg_frontier(h.pg, tags, 0), 1);
    walk_once(&h);
    /* other -> holder_a was not recorded; list -> holder_b was */
    assert_int_equal(h.objs[other].tag, 0);
    assert_true(h.objs[list].tag != 0);
    walk_once(&h);
    assert_int_equal(ml_pg_solve(h.pg, NULL), 2);
    assert_int_equal(ml_pg_focus(h.pg), 0);
    assert_int_equal(ml_pg_frontier(h.pg, tags, 4), 0);
    ml_pg_free(h.pg);
}

/* The node cap stops recording and says so; nothing is written past it. */
static void test_node_cap(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int holders[10];

    (void)state;
    world_init(&w, 1, 4); /* the loader node + 3 */
    for (int i = 0; i < 10; i++) {
        holders[i] = obj(h, w.c_jdk);
        ref(h, holders[i], w.loader, ML_REF_FIELD, 0);
    }
    walk_once(h);
    assert_true(h->pg->full);
    assert_int_equal(h->pg->n_nodes, 4);
    world_free(&w);
}

/* The heap-walk callback (ml_pg_ref, ml_pg_solve) never allocates: the node and edge tables
 * are at their maximum from ml_pg_new and do not move while a walk records hundreds of them. */
static void test_tables_never_move(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    const struct ml_pg_node *nodes;
    const struct ml_pg_edge *edges;

    (void)state;
    world_init(&w, 1, 1000);
    nodes = h->pg->nodes;
    edges = h->pg->edges;
    assert_int_equal(h->pg->cap_nodes, 1000);
    assert_int_equal(h->pg->cap_edges, 1000);
    for (int i = 0; i < 300; i++)
        ref(h, obj(h, w.c_jdk), w.loader, ML_REF_FIELD, 0);
    walk_once(h);
    ml_pg_solve(h->pg, NULL);
    assert_true(h->pg->n_nodes > 300);
    assert_true(h->pg->n_edges >= 300);
    assert_ptr_equal(h->pg->nodes, nodes);
    assert_ptr_equal(h->pg->edges, edges);
    assert_false(h->pg->nomem);
    world_free(&w);
}

/* Only the previous walk's nodes are the frontier: an edge into an older node is not recorded
 * again in a later walk. */
static void test_frontier_only(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int a, b;

    (void)state;
    world_init(&w, 1, 1000);
    a = obj(h, w.c_jdk);
    b = obj(h, w.c_jdk);
    ref(h, a, w.loader, ML_REF_FIELD, 0);   /* walk 1: a tagged */
    ref(h, b, a, ML_REF_FIELD, 0);          /* walk 2: b tagged */
    walk_once(h);
    walk_once(h);
    assert_int_equal(h->pg->n_edges, 2);
    walk_once(h);
    assert_int_equal(h->pg->n_edges, 2);
    assert_int_equal(h->pg->new_nodes, 0);
    world_free(&w);
}

/* A running shutdown hook (weak anchor) reaches the target in fewer steps than a class's static
 * field; the static field wins, and only it counts for the stop test. Without it, the hook's
 * chain is still used. */
static void test_weak_anchor(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int hook, registry, list, holder, value;
    bool found[1];
    int32_t chain[16];

    (void)state;
    world_init(&w, 1, 1000);
    hook = obj(h, w.c_thread);
    h->objs[hook].tag = ml_pg_add_thread(h->pg, false);
    ml_pg_weaken_thread(h->pg, h->objs[hook].tag);
    registry = obj(h, w.c_jdk);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 1, ML_PG_NO_TARGET);
    list = obj(h, w.c_jdk);
    holder = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    ref(h, hook, holder, ML_REF_FIELD, 0);
    ref(h, registry, list, ML_REF_STATIC_FIELD, 0);
    ref(h, list, holder, ML_REF_FIELD, 1);
    ref(h, holder, value, ML_REF_FIELD, 2);

    walk_once(h);
    walk_once(h);
    /* After two walks only the hook reaches: found, but not counted as a strong chain. */
    assert_int_equal(ml_pg_solve(h->pg, found), 0);
    assert_true(found[0]);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 2);
    walk_once(h);
    assert_int_equal(ml_pg_solve(h->pg, found), 1);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 3);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_STATIC_FIELD);
    world_free(&w);
}

/* A thread iterating over DriverManager's drivers holds the driver in a local for a moment
 * (stack local -> snapshot array -> driver: two steps) while the static field that keeps it for
 * good is three steps away: the static chain wins, and the stack's chain counts neither as
 * durable nor as the answer once the static one is known. Without the static field, the
 * stack's chain is still used. */
static void test_stack_local_tier(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int thread, registry, list, snapshot, value;
    bool found[1];
    int32_t chain[16];
    struct ref r;

    (void)state;
    world_init(&w, 1, 1000);
    thread = obj(h, w.c_thread);
    h->objs[thread].tag = ml_pg_add_thread(h->pg, false);
    registry = obj(h, w.c_jdk);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 1, ML_PG_NO_TARGET);
    list = obj(h, w.c_jdk);
    snapshot = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    r = (struct ref){-1, snapshot, ML_REF_ROOT_STACK_LOCAL, -1, thread};
    h->refs[h->n_refs++] = r;
    ref(h, registry, list, ML_REF_STATIC_FIELD, 0);
    ref(h, list, snapshot, ML_REF_FIELD, 1);
    ref(h, snapshot, value, ML_REF_ARRAY_ELEMENT, 4);

    walk_once(h);
    walk_once(h);
    /* The stack's chain is complete after two walks: found, not durable. */
    assert_int_equal(ml_pg_solve(h->pg, found), 0);
    assert_true(found[0]);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 2);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_ROOT_STACK_LOCAL);
    walk_once(h);
    assert_int_equal(ml_pg_solve(h->pg, found), 1);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 3);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_STATIC_FIELD);
    world_free(&w);
}

/* Two leaked loaders A (target 0) and B (target 1): a heap with their classes. */
struct two {
    struct heap h;
    int c_jdk, c_class, c_a, c_b, la, lb;
};

static void two_init(struct two *w)
{
    struct heap *h = &w->h;

    memset(w, 0, sizeof(*w));
    h->pg = ml_pg_new(2, 1000, 1000);
    assert_non_null(h->pg);
    w->c_jdk = obj(h, -1);
    h->objs[w->c_jdk].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    w->c_class = obj(h, -1);
    h->objs[w->c_class].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET) | ML_PG_MIRROR;
    w->c_a = obj(h, w->c_class);
    h->objs[w->c_a].tag = ml_pg_add_class(h->pg, 3, 0) | ML_PG_OWNED;
    w->c_b = obj(h, w->c_class);
    h->objs[w->c_b].tag = ml_pg_add_class(h->pg, 4, 1) | ML_PG_OWNED;
    w->la = obj(h, w->c_jdk);
    h->objs[w->la].tag = ml_pg_add_target(h->pg, 0, (uint32_t)w->c_jdk);
    w->lb = obj(h, w->c_jdk);
    h->objs[w->lb].tag = ml_pg_add_target(h->pg, 1, (uint32_t)w->c_jdk);
    ref(h, w->c_a, w->la, ML_REF_CLASS_LOADER, -1);
    ref(h, w->c_b, w->lb, ML_REF_CLASS_LOADER, -1);
}

/* Each job keeps the previous job's handler (defect 2 of issue 15): B's handler is reachable
 * only through A's. B's chain runs through A's object, which stays A's (its node's target). */
static void test_chain_through_another_target(void **state)
{
    struct two w;
    struct heap *h = &w.h;
    int registry, ha, hb;
    bool found[2];
    int32_t chain[16];

    (void)state;
    two_init(&w);
    registry = obj(h, w.c_class);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    ha = obj(h, w.c_a);
    hb = obj(h, w.c_b);
    ref(h, -1, registry, ML_REF_ROOT_SYSTEM_CLASS, -1);
    ref(h, registry, ha, ML_REF_STATIC_FIELD, 0);
    ref(h, ha, hb, ML_REF_FIELD, 0);

    search(h, 2);
    assert_int_equal(ml_pg_solve(h->pg, found), 2);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 1);
    assert_int_equal(edge_to_obj(h, chain[0]), ha);
    assert_int_equal(ml_pg_path(h->pg, 1, chain, 16), 2);
    assert_int_equal(edge_from_obj(h, chain[0]), registry);
    assert_int_equal(edge_to_obj(h, chain[0]), ha);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[0]].to].target, 0);
    assert_int_equal(edge_to_obj(h, chain[1]), hb);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[1]].to].target, 1);
    assert_true(h->pg->reachable[0] && h->pg->reachable[1]);
    ml_pg_free(h->pg);
}

/* A static field holds A's object ha, which holds A's inner object, which holds B's object hb:
 * B is reachable only through A's objects. */
static void heap_through_a(struct two *w, int *ha, int *inner, int *hb)
{
    struct heap *h = &w->h;
    int registry;

    two_init(w);
    registry = obj(h, w->c_class);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET);
    *ha = obj(h, w->c_a);
    *inner = obj(h, w->c_a);
    *hb = obj(h, w->c_b);
    ref(h, registry, *ha, ML_REF_STATIC_FIELD, 0);
    ref(h, *ha, *inner, ML_REF_FIELD, 1);   /* inside A */
    ref(h, *inner, *hb, ML_REF_FIELD, 0);   /* A -> B */
}

/* B's object is held by an object inside A that only A's own objects reach: the search follows
 * A's object back inside A to A's entry object. */
static void test_chain_inside_another_target(void **state)
{
    struct two w;
    struct heap *h = &w.h;
    int ha, inner, hb;
    bool found[2];
    int32_t chain[16];

    (void)state;
    heap_through_a(&w, &ha, &inner, &hb);

    search(h, 2);
    assert_int_equal(ml_pg_solve(h->pg, found), 2);
    assert_int_equal(ml_pg_path(h->pg, 1, chain, 16), 3);
    assert_int_equal(edge_to_obj(h, chain[0]), ha);
    assert_int_equal(edge_to_obj(h, chain[1]), inner);
    assert_int_equal(edge_to_obj(h, chain[2]), hb);
    ml_pg_free(h->pg);
}

/* The same heap searched the way refwalk.c does, with ml_pg_focus between the walks: A has its
 * durable chain after walk 1, B only reaches A's inner object (a through node). That node leads
 * to a target without a durable chain: it stays in the frontier (not retired), and walk 2 follows
 * it back inside A. Once both have chains, nothing is left. */
static void test_focus_keeps_through_node(void **state)
{
    struct two w;
    struct heap *h = &w.h;
    int ha, inner, hb;
    uint64_t tags[4];
    int32_t chain[16];

    (void)state;
    heap_through_a(&w, &ha, &inner, &hb);

    walk_once(h);
    assert_int_equal(ml_pg_solve(h->pg, NULL), 1);
    assert_true(h->pg->durable[0]);
    assert_false(h->pg->durable[1]);
    assert_int_equal(ml_pg_focus(h->pg), 1);
    assert_int_equal(ml_pg_frontier(h->pg, tags, 4), 1);
    assert_int_equal(tags[0], h->objs[inner].tag);
    walk_once(h);
    assert_int_equal(ml_pg_solve(h->pg, NULL), 2);
    assert_int_equal(ml_pg_path(h->pg, 1, chain, 16), 3);
    assert_int_equal(edge_to_obj(h, chain[1]), inner);
    assert_int_equal(ml_pg_focus(h->pg), 0);
    ml_pg_free(h->pg);
}

/* A class of a leaked loader is no anchor: a static field of A's class holding B's object is
 * a chain only as far as A's class is reached (here through A's loader and its class list). */
static void test_leaked_class_is_no_anchor(void **state)
{
    struct two w;
    struct heap *h = &w.h;
    int list, hb;
    bool found[2];
    int32_t chain[16];

    (void)state;
    two_init(&w);
    list = obj(h, w.c_jdk);
    hb = obj(h, w.c_b);
    ref(h, -1, w.la, ML_REF_ROOT_JNI_GLOBAL, -1);
    ref(h, w.la, list, ML_REF_FIELD, 2);
    ref(h, list, w.c_a, ML_REF_ARRAY_ELEMENT, 0);
    ref(h, w.c_a, hb, ML_REF_STATIC_FIELD, 0);

    search(h, 2);
    assert_int_equal(ml_pg_solve(h->pg, found), 2);
    assert_int_equal(ml_pg_path(h->pg, 1, chain, 16), 4);
    assert_int_equal(h->pg->edges[chain[0]].info.ref, ML_REF_ROOT_JNI_GLOBAL);
    assert_int_equal(edge_to_obj(h, chain[2]), w.c_a);
    assert_int_equal(h->pg->edges[chain[3]].info.ref, ML_REF_STATIC_FIELD);
    for (uint32_t i = 0; i < h->pg->n_nodes; i++)
        if (h->pg->nodes[i].target >= 0)
            assert_int_equal(h->pg->nodes[i].anchor, ML_REF_OTHER);
    ml_pg_free(h->pg);
}

/* Strongly reachable or not, chain or no chain: any reference into a target's object that the
 * walk reports (internal ones too) says it is; a target no reference reaches is not (what only
 * a soft reference reaches is never reported: the caller skips referents). */
static void test_reachable(void **state)
{
    struct two w;
    struct heap *h = &w.h;
    int a1, a2;

    (void)state;
    two_init(&w);
    h->n_refs = 0; /* no class -> loader references: A's objects refer only to each other */
    a1 = obj(h, w.c_a);
    a2 = obj(h, w.c_a);
    ref(h, a1, a2, ML_REF_FIELD, 0);
    walk_once(h);
    assert_true(h->pg->reachable[0]);
    assert_false(h->pg->reachable[1]);
    ml_pg_solve(h->pg, NULL);
    assert_int_equal(h->pg->new_nodes, 0);  /* an internal reference tags nothing */
    ml_pg_free(h->pg);
}

/* Equally close, the object the loader owns beats the loader object: a thread's Runnable of the
 * job, not its context class loader; also when the Runnable is one field further (JDK 19+:
 * Thread.holder.task). A loader closer than that still wins. */
static void test_tie_prefers_owned_object(void **state)
{
    static const int extra[] = {0, 1, 2};
    static const int want_loader[] = {0, 0, 1};

    (void)state;
    for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
        struct world w;
        struct heap *h = &w.h;
        int thread, prev, task;
        int32_t chain[16];
        size_t len;

        world_init(&w, 1, 1000);
        h->n_refs = 0;
        thread = obj(h, w.c_thread);
        h->objs[thread].tag = ml_pg_add_thread(h->pg, false);
        /* the loader first: the older code took the first node of equal distance */
        ref(h, thread, w.loader, ML_REF_FIELD, 1);
        prev = thread;
        for (int i = 0; i < extra[k]; i++) {
            int holder = obj(h, w.c_jdk);

            ref(h, prev, holder, ML_REF_FIELD, 2);
            prev = holder;
        }
        task = obj(h, w.c_owned);
        ref(h, prev, task, ML_REF_FIELD, 0);
        search(h, 1);
        len = ml_pg_path(h->pg, 0, chain, 16);
        if (want_loader[k]) {
            assert_int_equal(len, 1);
            assert_int_equal(edge_to_obj(h, chain[0]), w.loader);
        } else {
            assert_int_equal(len, (size_t)extra[k] + 1);
            assert_int_equal(edge_to_obj(h, chain[len - 1]), task);
        }
        world_free(&w);
    }
}

/* A hidden class (ML_PG_PLAIN) is no anchor: a LambdaForm class whose static field holds the
 * job's class is reached from what holds it (a MemberName of a method handle in a registry). */
static void test_hidden_class_is_no_anchor(void **state)
{
    struct world w;
    struct heap *h = &w.h;
    int c_class, hidden, registry, member, value;
    int32_t chain[16];

    (void)state;
    world_init(&w, 1, 1000);
    c_class = obj(h, -1);
    h->objs[c_class].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET) | ML_PG_MIRROR;
    hidden = obj(h, c_class);
    h->objs[hidden].tag = ml_pg_add_class(h->pg, 0, ML_PG_NO_TARGET) | ML_PG_PLAIN;
    registry = obj(h, c_class);
    h->objs[registry].tag = ml_pg_add_class(h->pg, 1, ML_PG_NO_TARGET);
    member = obj(h, w.c_jdk);
    value = obj(h, w.c_owned);
    ref(h, hidden, value, ML_REF_STATIC_FIELD, 0);
    ref(h, member, hidden, ML_REF_FIELD, 3);
    ref(h, registry, member, ML_REF_STATIC_FIELD, 0);

    search(h, 1);
    assert_int_equal(ml_pg_path(h->pg, 0, chain, 16), 3);
    assert_int_equal(edge_from_obj(h, chain[0]), registry);
    assert_int_equal(edge_to_obj(h, chain[1]), hidden);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[1]].to].object, ML_OBJ_CLASS);
    assert_int_equal(h->pg->nodes[h->pg->edges[chain[1]].to].anchor, ML_REF_OTHER);
    world_free(&w);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ml_ref_name(ML_REF_STATIC_FIELD), "static-field");
    assert_string_equal(ml_ref_name(ML_REF_ROOT_JNI_GLOBAL), "jni-global");
    assert_string_equal(ml_ref_name(ML_REF_ANCHOR_THREAD), "thread");
    assert_string_equal(ml_ref_name((enum ml_ref)999), "other");
    assert_true(ml_ref_is_root(ML_REF_ROOT_MONITOR));
    assert_false(ml_ref_is_root(ML_REF_FIELD));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_local_chain),
        cmocka_unit_test(test_static_field_anchor),
        cmocka_unit_test(test_untagged_class_anchor),
        cmocka_unit_test(test_root_edge),
        cmocka_unit_test(test_internal_chain_is_no_path),
        cmocka_unit_test(test_ignored_thread_roots),
        cmocka_unit_test(test_two_targets_share_a_chain),
        cmocka_unit_test(test_focus),
        cmocka_unit_test(test_node_cap),
        cmocka_unit_test(test_tables_never_move),
        cmocka_unit_test(test_frontier_only),
        cmocka_unit_test(test_weak_anchor),
        cmocka_unit_test(test_stack_local_tier),
        cmocka_unit_test(test_chain_through_another_target),
        cmocka_unit_test(test_chain_inside_another_target),
        cmocka_unit_test(test_focus_keeps_through_node),
        cmocka_unit_test(test_leaked_class_is_no_anchor),
        cmocka_unit_test(test_reachable),
        cmocka_unit_test(test_tie_prefers_owned_object),
        cmocka_unit_test(test_hidden_class_is_no_anchor),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
