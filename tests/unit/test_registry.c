/* CMocka tests of src/core/registry.c: records and their tags, stale tags after eviction, generations,
 * hidden-class tags, the max_loaders / history / URL bounds and their counters, class
 * arithmetic, iteration, and lock-free lookups racing with additions (exact totals). */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/registry.h"
#include "testutil.h"

struct fixture {
    struct ml_registry *reg;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->reg = ml_registry_new(64, 4);
    if (f->reg == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ml_registry_free(f->reg);
    free(f);
    return 0;
}

/* Replaces the fixture's registry with one of other bounds. */
static struct ml_registry *renew(struct fixture *f, uint32_t max_loaders, uint32_t history)
{
    ml_registry_free(f->reg);
    f->reg = ml_registry_new(max_loaders, history);
    assert_non_null(f->reg);
    return f->reg;
}

static struct ml_loader *add(struct ml_registry *reg, int64_t now)
{
    struct ml_loader *l = ml_registry_add(reg, now);

    assert_non_null(l);
    return l;
}

/* What the worker does when a loader object was freed. */
static void unload(struct ml_registry *reg, struct ml_loader *l, int64_t now)
{
    ml_verdict_unload(&l->verdict, now);
    ml_registry_note_unloaded(reg, l);
}

static void make_leaked(struct ml_loader *l)
{
    assert_true(ml_verdict_close(&l->verdict, 10, 0));
    assert_true(ml_verdict_gc(&l->verdict, 1, 1, true, 20));
}

static uint32_t in_use(const struct ml_registry *reg)
{
    struct ml_registry_stats st;

    ml_registry_stats(reg, &st);
    return st.in_use;
}

static void test_boot(void **state)
{
    struct fixture *f = *state;
    struct ml_loader *boot = ml_registry_boot(f->reg);
    struct ml_registry_stats st;

    assert_non_null(boot);
    assert_int_equal(boot->id, 0);
    assert_int_equal(boot->slot, 0);
    assert_int_equal(atomic_load(&boot->gen), 1);
    assert_true(boot->inspected);
    assert_null(boot->handle);
    assert_null(boot->class_name);
    assert_int_equal(boot->parent_id, ML_ID_NONE);
    assert_int_equal(boot->verdict.state, ML_STATE_LIVE);
    assert_ptr_equal(ml_registry_lookup(f->reg, ml_loader_tag(boot)), boot);
    assert_ptr_equal(ml_registry_lookup(f->reg, ml_loader_hidden_tag(boot)), boot);
    assert_ptr_equal(ml_registry_find_id(f->reg, 0), boot);
    assert_ptr_equal(ml_registry_next(f->reg, NULL), boot);
    assert_null(ml_registry_next(f->reg, boot));
    ml_registry_stats(f->reg, &st);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(st.dropped_loaders, 0);
    assert_int_equal(st.dropped_urls, 0);
    assert_int_equal(st.dropped_history, 0);
    /* the bootstrap loader never joins the history */
    ml_verdict_unload(&boot->verdict, 5);
    ml_registry_note_unloaded(f->reg, boot);
    assert_ptr_equal(ml_registry_lookup(f->reg, ml_loader_tag(boot)), boot);
    ml_registry_stats(f->reg, &st);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(st.dropped_history, 0);
}

static void test_add_fresh_records(void **state)
{
    struct fixture *f = *state;

    for (uint64_t i = 1; i <= 5; i++) {
        struct ml_loader *l = add(f->reg, (int64_t)(100 * i));

        assert_int_equal(l->id, i);
        assert_int_equal(l->slot, i);
        assert_int_equal(l->first_seen_ms, 100 * i);
        assert_int_equal(atomic_load(&l->gen), 1);
        assert_false(l->inspected);
        assert_false(l->url_loader);
        assert_null(l->handle);
        assert_null(l->class_name);
        assert_null(l->name);
        assert_false(l->has_hash);
        assert_int_equal(l->parent_id, ML_ID_NONE);
        assert_null(l->urls);
        assert_int_equal(l->n_urls, 0);
        assert_int_equal(l->role, ML_ROLE_NONE);
        assert_int_equal(l->order, ML_ORDER_NONE);
        assert_string_equal(l->job_id, "");
        assert_int_equal(l->wrapper_id, ML_ID_NONE);
        assert_int_equal(l->inner_id, ML_ID_NONE);
        assert_int_equal(atomic_load(&l->classes_defined), 0);
        assert_int_equal(atomic_load(&l->hidden_defined), 0);
        assert_int_equal(atomic_load(&l->hidden_unloaded), 0);
        assert_int_equal(atomic_load(&l->last_define_ms), -1);
        assert_int_equal(atomic_load(&l->freed_ms), -1);
        assert_int_equal(l->metaspace_bytes, -1);
        assert_int_equal(l->verdict.state, ML_STATE_LIVE);
        assert_int_equal(l->verdict.closed_ms, -1);
        assert_int_equal(in_use(f->reg), 1 + i);
    }
}

static void test_tags_and_lookup(void **state)
{
    struct fixture *f = *state;
    struct ml_loader *a = add(f->reg, 1);
    struct ml_loader *b = add(f->reg, 2);
    uint64_t ta = ml_loader_tag(a), tb = ml_loader_tag(b);

    /* layout: slot + 1 in bits 0..31, generation in bits 32..55, hidden bit 62 */
    assert_int_equal(ta & 0xffffffffu, a->slot + 1);
    assert_int_equal((ta >> 32) & 0xffffffu, atomic_load(&a->gen));
    assert_int_equal(ta & ~((1ULL << 56) - 1), 0);
    assert_int_equal(ml_loader_hidden_tag(a), ta | ML_TAG_HIDDEN);
    assert_true(ta != tb);

    assert_ptr_equal(ml_registry_lookup(f->reg, ta), a);
    assert_ptr_equal(ml_registry_lookup(f->reg, tb), b);
    /* a hidden class's tag resolves to its defining loader */
    assert_ptr_equal(ml_registry_lookup(f->reg, ml_loader_hidden_tag(a)), a);
    assert_ptr_equal(ml_registry_lookup(f->reg, ml_loader_hidden_tag(b)), b);

    /* never a record: 0, markers, markers on a valid tag */
    assert_null(ml_registry_lookup(f->reg, 0));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_SEEN));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_SEEN | ta));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_UNTRACKED));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_UNTRACKED | ta));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_HIDDEN | ML_TAG_SEEN | ta));
    assert_null(ml_registry_lookup(f->reg, ML_TAG_HIDDEN));
    /* wrong generation */
    assert_null(ml_registry_lookup(f->reg, ta + (1ULL << 32)));
    assert_null(ml_registry_lookup(f->reg, (ta & 0xffffffffu) | (7ULL << 32)));
    /* slot beyond max_loaders (64), and the largest slot field */
    assert_null(ml_registry_lookup(f->reg, (1ULL << 32) | 65));
    assert_null(ml_registry_lookup(f->reg, (1ULL << 32) | 0xffffffffu));
}

static void test_lookup_unallocated_chunk(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 5000, 4);

    add(reg, 1);
    /* slot 2000 lies in a chunk that was never allocated */
    assert_null(ml_registry_lookup(reg, (1ULL << 32) | 2001));
    assert_null(ml_registry_lookup(reg, (1ULL << 32) | 5000));
    assert_null(ml_registry_lookup(reg, (1ULL << 32) | 5001));
}

/* history 1: the second unloaded loader evicts the first; its slot is reused with a new
 * generation, so the old tag never resolves to the new occupant. */
static void test_eviction_and_stale_tags(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 64, 1);
    struct ml_loader *a = add(reg, 1), *b = add(reg, 2), *c;
    uint64_t ta = ml_loader_tag(a), tha = ml_loader_hidden_tag(a), tb = ml_loader_tag(b);
    uint32_t slot_a = a->slot;
    uint64_t id_a = a->id;
    struct ml_registry_stats st;

    a->class_name = strdup("java.net.URLClassLoader");
    a->name = strdup("a");
    assert_int_equal(ml_loader_add_url(reg, a, "file:/tmp/a.jar"), ML_OK);

    unload(reg, a, 100);
    /* kept: history holds one */
    assert_ptr_equal(ml_registry_lookup(reg, ta), a);
    assert_int_equal(in_use(reg), 3);

    unload(reg, b, 200);
    /* a evicted, b kept */
    assert_null(ml_registry_lookup(reg, ta));
    assert_null(ml_registry_lookup(reg, tha));
    assert_ptr_equal(ml_registry_lookup(reg, tb), b);
    assert_null(ml_registry_find_id(reg, id_a));
    assert_null(a->class_name);   /* strings freed */
    assert_null(a->name);
    assert_null(a->urls);
    assert_int_equal(a->n_urls, 0);
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.dropped_history, 1);

    /* the next loader takes a's slot, with a new id and generation */
    c = add(reg, 300);
    assert_int_equal(c->slot, slot_a);
    assert_int_equal(c->id, 3);
    assert_int_equal(atomic_load(&c->gen), 2);
    assert_true(ml_loader_tag(c) != ta);
    assert_null(ml_registry_lookup(reg, ta));
    assert_null(ml_registry_lookup(reg, tha));
    assert_ptr_equal(ml_registry_lookup(reg, ml_loader_tag(c)), c);
    assert_ptr_equal(ml_registry_lookup(reg, ml_loader_hidden_tag(c)), c);
    assert_int_equal(c->first_seen_ms, 300);
    assert_int_equal(c->verdict.state, ML_STATE_LIVE);
    assert_int_equal(c->verdict.unloaded_ms, -1);
    assert_int_equal(in_use(reg), 3);
}

static void test_history_zero(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 64, 0);
    struct ml_loader *a = add(reg, 1);
    uint64_t ta = ml_loader_tag(a);
    struct ml_registry_stats st;

    unload(reg, a, 5);
    assert_null(ml_registry_lookup(reg, ta));
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(st.dropped_history, 1);
}

/* The history is a FIFO: the oldest unloaded loader goes first. */
static void test_history_fifo(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 64, 2);
    struct ml_loader *l[5];
    uint64_t tags[5];
    struct ml_registry_stats st;

    for (int i = 0; i < 5; i++) {
        l[i] = add(reg, i);
        tags[i] = ml_loader_tag(l[i]);
    }
    unload(reg, l[2], 10);
    unload(reg, l[0], 11);
    unload(reg, l[4], 12);   /* evicts l[2], the oldest */
    assert_null(ml_registry_lookup(reg, tags[2]));
    assert_non_null(ml_registry_lookup(reg, tags[0]));
    assert_non_null(ml_registry_lookup(reg, tags[4]));
    unload(reg, l[1], 13);   /* evicts l[0] */
    assert_null(ml_registry_lookup(reg, tags[0]));
    assert_non_null(ml_registry_lookup(reg, tags[4]));
    assert_non_null(ml_registry_lookup(reg, tags[1]));
    assert_ptr_equal(ml_registry_lookup(reg, tags[3]), l[3]);  /* live: never evicted */
    ml_registry_stats(reg, &st);
    assert_int_equal(st.dropped_history, 2);
    assert_int_equal(st.in_use, 1 + 3);
}

static void test_leaked_never_evicted(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 64, 0);
    struct ml_loader *leak = add(reg, 1), *other = add(reg, 2);
    uint64_t tl = ml_loader_tag(leak), to = ml_loader_tag(other);
    struct ml_registry_stats st;

    leak->class_name = strdup("org.apache.flink.util.ChildFirstClassLoader");
    make_leaked(leak);
    unload(reg, leak, 50);
    unload(reg, other, 60);
    assert_ptr_equal(ml_registry_lookup(reg, tl), leak);
    assert_null(ml_registry_lookup(reg, to));
    assert_string_equal(leak->class_name, "org.apache.flink.util.ChildFirstClassLoader");
    assert_true(leak->verdict.leaked);
    assert_int_equal(leak->verdict.state, ML_STATE_UNLOADED);
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.dropped_history, 1);
    /* more unloads never push the leak out */
    for (int i = 0; i < 10; i++)
        unload(reg, add(reg, 100 + i), 200 + i);
    assert_ptr_equal(ml_registry_lookup(reg, tl), leak);
    assert_ptr_equal(ml_registry_find_id(reg, leak->id), leak);
}

/* max_loaders counts the bootstrap record; beyond it adds fail and are counted. */
static void test_max_loaders(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 16, 0);
    struct ml_registry_stats st;
    struct ml_loader *first = NULL;

    for (int i = 0; i < 15; i++) {
        struct ml_loader *l = add(reg, i);

        if (first == NULL)
            first = l;
    }
    assert_null(ml_registry_add(reg, 100));
    assert_null(ml_registry_add(reg, 101));
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 16);
    assert_int_equal(st.dropped_loaders, 2);

    /* an evicted slot makes room again; ids are never reused */
    unload(reg, first, 5);
    {
        struct ml_loader *l = add(reg, 102);

        assert_int_equal(l->id, 16);
        assert_int_equal(l->slot, 1);
    }
    assert_null(ml_registry_add(reg, 103));
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 16);
    assert_int_equal(st.dropped_loaders, 3);
}

static void test_max_loaders_minimum(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 0, 0);
    struct ml_registry_stats st;

    assert_non_null(ml_registry_boot(reg));
    add(reg, 1);
    assert_null(ml_registry_add(reg, 2));
    ml_registry_stats(reg, &st);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.dropped_loaders, 1);
}

static void test_urls(void **state)
{
    struct fixture *f = *state;
    struct ml_loader *a = add(f->reg, 1), *b = add(f->reg, 2);
    char url[ML_MAX_URL_LEN + 2];
    struct ml_registry_stats st;

    for (int i = 0; i < ML_MAX_URLS; i++) {
        char u[64];

        snprintf(u, sizeof(u), "file:/tmp/lib-%d.jar", i);
        assert_int_equal(ml_loader_add_url(f->reg, a, u), ML_OK);
        assert_string_equal(a->urls[i], u);
    }
    assert_int_equal(a->n_urls, ML_MAX_URLS);
    assert_int_equal(ml_loader_add_url(f->reg, a, "file:/tmp/one-too-many.jar"), ML_ERR_FULL);
    assert_int_equal(ml_loader_add_url(f->reg, a, "file:/tmp/two-too-many.jar"), ML_ERR_FULL);
    assert_int_equal(a->n_urls, ML_MAX_URLS);
    assert_string_equal(a->urls[ML_MAX_URLS - 1], "file:/tmp/lib-63.jar");

    /* length bound: 2048 bytes are kept, 2049 dropped */
    memset(url, 'u', sizeof(url));
    url[ML_MAX_URL_LEN] = '\0';
    assert_int_equal(ml_loader_add_url(f->reg, b, url), ML_OK);
    assert_int_equal(strlen(b->urls[0]), ML_MAX_URL_LEN);
    assert_true(b->urls[0] != url);
    url[ML_MAX_URL_LEN] = 'u';
    url[ML_MAX_URL_LEN + 1] = '\0';
    assert_int_equal(ml_loader_add_url(f->reg, b, url), ML_ERR_FULL);
    assert_int_equal(ml_loader_add_url(f->reg, b, ""), ML_OK);
    assert_int_equal(b->n_urls, 2);
    assert_string_equal(b->urls[1], "");

    ml_registry_stats(f->reg, &st);
    assert_int_equal(st.dropped_urls, 3);

    ml_loader_clear_urls(a);
    assert_null(a->urls);
    assert_int_equal(a->n_urls, 0);
    ml_loader_clear_urls(a);  /* twice is harmless */
    assert_int_equal(ml_loader_add_url(f->reg, a, "file:/tmp/again.jar"), ML_OK);
    assert_int_equal(a->n_urls, 1);
    ml_registry_stats(f->reg, &st);
    assert_int_equal(st.dropped_urls, 3);  /* clearing does not reset the counter */
}

static void test_classes_live(void **state)
{
    struct fixture *f = *state;
    struct ml_loader *l = add(f->reg, 1);

    assert_int_equal(ml_loader_classes_live(l), 0);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    atomic_store(&l->classes_defined, 10);
    atomic_store(&l->hidden_defined, 4);
    assert_int_equal(ml_loader_classes_live(l), 10);
    assert_int_equal(ml_loader_hidden_live(l), 4);
    atomic_store(&l->hidden_unloaded, 3);
    assert_int_equal(ml_loader_classes_live(l), 7);
    assert_int_equal(ml_loader_hidden_live(l), 1);
    atomic_store(&l->hidden_unloaded, 4);
    assert_int_equal(ml_loader_classes_live(l), 6);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    /* inconsistent counters never wrap around */
    atomic_store(&l->hidden_unloaded, 11);
    assert_int_equal(ml_loader_classes_live(l), 0);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    /* closed or leaked loaders keep their classes; unloaded ones have none */
    atomic_store(&l->hidden_unloaded, 1);
    make_leaked(l);
    assert_int_equal(ml_loader_classes_live(l), 9);
    assert_int_equal(ml_loader_hidden_live(l), 3);
    ml_verdict_unload(&l->verdict, 30);
    assert_int_equal(ml_loader_classes_live(l), 0);
    assert_int_equal(ml_loader_hidden_live(l), 0);
    assert_int_equal(atomic_load(&l->classes_defined), 10);  /* the history stays */
}

/* Iteration is in slot order; a reused slot shows its new occupant there. */
static void test_iteration_and_find_id(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 64, 0);
    struct ml_loader *a = add(reg, 1), *b = add(reg, 2), *c = add(reg, 3), *d;
    static const uint64_t want[] = {0, 4, 2, 3};
    size_t n = 0;

    (void)b;
    (void)c;
    unload(reg, a, 10);  /* history 0: evicted at once */
    d = add(reg, 11);
    assert_int_equal(d->id, 4);
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        assert_true(n < sizeof(want) / sizeof(want[0]));
        assert_int_equal(l->id, want[n]);
        assert_int_equal(l->slot, n);
        n++;
    }
    assert_int_equal(n, 4);
    assert_ptr_equal(ml_registry_find_id(reg, 0), ml_registry_boot(reg));
    assert_ptr_equal(ml_registry_find_id(reg, 4), d);
    assert_ptr_equal(ml_registry_find_id(reg, 3), c);
    assert_null(ml_registry_find_id(reg, 1));   /* evicted */
    assert_null(ml_registry_find_id(reg, 5));   /* never given */
    assert_null(ml_registry_find_id(reg, ML_ID_NONE));

    /* iteration skips a free slot in the middle */
    unload(reg, b, 20);
    n = 0;
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        assert_true(l->id != 2 && ++n <= 3);
    assert_int_equal(n, 3);
}

/* Records across chunk boundaries (1024 per chunk) all resolve. */
static void test_many_loaders(void **state)
{
    struct fixture *f = *state;
    struct ml_registry *reg = renew(f, 3000, 10);
    uint64_t *tags = calloc(3000, sizeof(*tags));
    size_t n = 0;

    assert_non_null(tags);
    tags[0] = ml_loader_tag(ml_registry_boot(reg));
    for (uint64_t i = 1; i < 3000; i++)
        tags[i] = ml_loader_tag(add(reg, (int64_t)i));
    assert_null(ml_registry_add(reg, 0));
    for (uint64_t i = 0; i < 3000; i++) {
        struct ml_loader *l = ml_registry_lookup(reg, tags[i]);

        assert_non_null(l);
        assert_int_equal(l->id, i);
        assert_int_equal(l->slot, i);
    }
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l))
        n++;
    assert_int_equal(n, 3000);
    assert_int_equal(in_use(reg), 3000);
    free(tags);
}

/* ---- lock-free lookups racing with additions ---- */

#define N_READERS 8
#define LOOKUPS 100000
#define N_ADDS 3000

struct race {
    struct ml_registry *reg;
    pthread_mutex_t lock;      /* the registry lock: held for additions */
    uint64_t tags[N_ADDS + 1]; /* [0] = bootstrap; written before `published` covers them */
    uint64_t ids[N_ADDS + 1];
    _Atomic size_t published;
    _Atomic uint64_t bad;      /* lookups that missed or found another record */
    _Atomic uint64_t hidden;   /* lookups through a hidden-class tag */
    _Atomic int started;
    pthread_barrier_t barrier;
};

struct reader {
    struct race *race;
    uint64_t seed;
};

static void *reader_main(void *p)
{
    struct reader *r = p;
    struct race *race = r->race;
    uint64_t x = r->seed;

    pthread_barrier_wait(&race->barrier);
    for (int i = 0; i < LOOKUPS; i++) {
        size_t n = atomic_load_explicit(&race->published, memory_order_acquire);
        size_t idx;
        bool hidden = (i & 3) == 0;
        struct ml_loader *l;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* favour the newest records, which race most with their addition */
        idx = (i & 1) ? n - 1 - (size_t)(x % (n < 8 ? n : 8)) : (size_t)(x % n);
        l = ml_registry_lookup(race->reg, hidden ? race->tags[idx] | ML_TAG_HIDDEN
                                                 : race->tags[idx]);
        if (l == NULL || l->id != race->ids[idx]) {
            atomic_fetch_add(&race->bad, 1);
            continue;
        }
        atomic_fetch_add_explicit(&l->classes_defined, 1, memory_order_relaxed);
        if (hidden) {
            atomic_fetch_add_explicit(&l->hidden_defined, 1, memory_order_relaxed);
            atomic_fetch_add(&race->hidden, 1);
        }
    }
    return NULL;
}

static void *adder_main(void *p)
{
    struct race *race = p;

    pthread_barrier_wait(&race->barrier);
    for (size_t i = 1; i <= N_ADDS; i++) {
        struct ml_loader *l;

        pthread_mutex_lock(&race->lock);
        l = ml_registry_add(race->reg, (int64_t)i);
        if (l != NULL) {
            race->tags[i] = ml_loader_tag(l);
            race->ids[i] = l->id;
        }
        pthread_mutex_unlock(&race->lock);
        if (l == NULL)
            break;
        atomic_store_explicit(&race->published, i + 1, memory_order_release);
        if (i % 32 == 0)
            sched_yield();
    }
    return NULL;
}

static void test_concurrent_lookups(void **state)
{
    struct fixture *f = *state;
    struct race *race = calloc(1, sizeof(*race));
    struct reader readers[N_READERS];
    pthread_t rt[N_READERS], at;
    uint64_t total = 0, hidden = 0;
    size_t n = 0;

    assert_non_null(race);
    race->reg = renew(f, 4096, 16);
    pthread_mutex_init(&race->lock, NULL);
    assert_int_equal(pthread_barrier_init(&race->barrier, NULL, N_READERS + 1), 0);
    race->tags[0] = ml_loader_tag(ml_registry_boot(race->reg));
    race->ids[0] = 0;
    atomic_store(&race->published, 1);

    for (int i = 0; i < N_READERS; i++) {
        readers[i].race = race;
        readers[i].seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
        assert_int_equal(pthread_create(&rt[i], NULL, reader_main, &readers[i]), 0);
    }
    assert_int_equal(pthread_create(&at, NULL, adder_main, race), 0);
    pthread_join(at, NULL);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(rt[i], NULL);

    assert_int_equal(atomic_load(&race->published), N_ADDS + 1);
    assert_int_equal(atomic_load(&race->bad), 0);
    for (struct ml_loader *l = ml_registry_next(race->reg, NULL); l != NULL;
         l = ml_registry_next(race->reg, l)) {
        total += atomic_load(&l->classes_defined);
        hidden += atomic_load(&l->hidden_defined);
        n++;
    }
    assert_int_equal(n, N_ADDS + 1);
    assert_int_equal(total, (uint64_t)N_READERS * LOOKUPS);
    assert_int_equal(hidden, (uint64_t)N_READERS * (LOOKUPS / 4));
    assert_int_equal(hidden, atomic_load(&race->hidden));
    pthread_barrier_destroy(&race->barrier);
    pthread_mutex_destroy(&race->lock);
    free(race);
}

/* Was a bug (fixed): a tag with generation 0 (never handed out) resolves to a free slot whose chunk is
 * allocated, although the header promises NULL for free slots: lookup compares the slot's
 * generation (0 when free) with the tag's without excluding 0. */
static void test_fixed_lookup_free_slot(void **state)
{
    struct fixture *f = *state;

    add(f->reg, 1);                                  /* slot 1 in use, slots 2..63 free */
    assert_null(ml_registry_lookup(f->reg, 5));      /* slot 4, generation 0 */
    assert_null(ml_registry_lookup(f->reg, ML_TAG_HIDDEN | 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_fresh_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_and_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_unallocated_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_and_stale_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaked_never_evicted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_loaders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_loaders_minimum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classes_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iteration_and_find_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_loaders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_lookup_free_slot, setup, teardown),
    };

    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
