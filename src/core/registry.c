/* The loader registry (see registry.h for the workload and the tag layout).
 *
 * Slots live in chunks of CHUNK records allocated on first use, so a registry bounded at
 * 100 000 loaders costs only what is really tracked. The directory of chunk pointers is sized
 * once; chunk pointers are published with release stores and read with acquire loads, which
 * is what lets ClassPrepare and ObjectFree resolve tags without the lock. */
#include "metaleak/registry.h"

#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"

#define CHUNK_BITS 10
#define CHUNK (1u << CHUNK_BITS)
#define GEN_MASK 0xffffffu
#define SLOT_MASK 0xffffffffull

struct ml_registry {
    uint32_t max_loaders;              /* slots, bootstrap included */
    uint32_t history;                  /* unloaded non-leaked records kept */
    uint32_t n_chunks;
    struct ml_loader *_Atomic *chunks; /* n_chunks pointers, NULL until used */
    uint32_t used_slots;               /* high-water mark of slots ever handed out */
    uint32_t in_use;
    uint64_t next_id;
    uint32_t free_head;                /* free list of evicted slots (slot + 1, 0 = empty) */
    uint32_t hist_head, hist_tail;     /* FIFO of unloaded non-leaked slots (slot + 1) */
    uint32_t hist_len;
    uint64_t dropped_loaders;
    _Atomic uint64_t dropped_urls;
    uint64_t dropped_history;
};

static struct ml_loader *slot_ptr(const struct ml_registry *reg, uint32_t slot)
{
    struct ml_loader *chunk;

    if (slot >= reg->max_loaders)
        return NULL;
    chunk = atomic_load_explicit(&reg->chunks[slot >> CHUNK_BITS], memory_order_acquire);
    return chunk == NULL ? NULL : &chunk[slot & (CHUNK - 1)];
}

/* Returns the record for slot, allocating its chunk if needed; NULL when out of memory. */
static struct ml_loader *slot_alloc(struct ml_registry *reg, uint32_t slot)
{
    uint32_t c = slot >> CHUNK_BITS;
    struct ml_loader *chunk = atomic_load_explicit(&reg->chunks[c], memory_order_acquire);

    if (chunk == NULL) {
        chunk = calloc(CHUNK, sizeof(*chunk));
        if (chunk == NULL)
            return NULL;
        for (uint32_t i = 0; i < CHUNK; i++)
            chunk[i].slot = (c << CHUNK_BITS) + i;
        atomic_store_explicit(&reg->chunks[c], chunk, memory_order_release);
    }
    return &chunk[slot & (CHUNK - 1)];
}

static void loader_reset(struct ml_loader *l, uint64_t id, int64_t now_ms)
{
    l->id = id;
    l->handle = NULL;
    l->first_seen_ms = now_ms;
    l->inspected = false;
    l->url_loader = false;
    l->class_name = NULL;
    l->name = NULL;
    l->has_hash = false;
    l->identity_hash = 0;
    l->parent_id = ML_ID_NONE;
    l->urls = NULL;
    l->n_urls = 0;
    l->role = ML_ROLE_NONE;
    l->order = ML_ORDER_NONE;
    l->job_id[0] = '\0';
    l->wrapper_id = ML_ID_NONE;
    l->inner_id = ML_ID_NONE;
    atomic_store(&l->classes_defined, 0);
    atomic_store(&l->hidden_defined, 0);
    atomic_store(&l->hidden_unloaded, 0);
    atomic_store(&l->last_define_ms, -1);
    atomic_store(&l->freed_ms, -1);
    l->metaspace_bytes = -1;
    ml_verdict_init(&l->verdict);
    memset(&l->path, 0, sizeof(l->path));
    l->path_status = ML_PATH_NOT_SEARCHED;
    l->path_search_ms = -1;
    l->path_searched_ms = -1;
    l->awaiting_unload = false;
    l->search_idx = -1;
    l->inventoried = false;
    l->shadowed = 0;
    l->shadow_examples = NULL;
    l->n_shadow_examples = 0;
    l->lambdas = 0;
    l->proxies = 0;
    l->suspect = false;
    l->superseded_by = ML_ID_NONE;
    l->alerted = false;
    l->history_next = 0;
}

static void loader_free_strings(struct ml_loader *l)
{
    free(l->class_name);
    free(l->name);
    l->class_name = NULL;
    l->name = NULL;
    ml_loader_clear_urls(l);
    ml_path_clear(&l->path);
    ml_loader_clear_shadows(l);
}

void ml_loader_clear_shadows(struct ml_loader *l)
{
    for (uint32_t i = 0; i < l->n_shadow_examples; i++) {
        free(l->shadow_examples[i].class_name);
        free(l->shadow_examples[i].jar);
        free(l->shadow_examples[i].ancestor_jar);
    }
    free(l->shadow_examples);
    l->shadow_examples = NULL;
    l->n_shadow_examples = 0;
}

struct ml_registry *ml_registry_new(uint32_t max_loaders, uint32_t history)
{
    struct ml_registry *reg = NULL;
    struct ml_loader *boot;

    if (max_loaders < 2)
        max_loaders = 2;
    reg = calloc(1, sizeof(*reg));
    if (reg == NULL)
        return NULL;
    reg->max_loaders = max_loaders;
    reg->history = history;
    reg->n_chunks = (max_loaders + CHUNK - 1) / CHUNK;
    reg->chunks = calloc(reg->n_chunks, sizeof(*reg->chunks));
    if (reg->chunks == NULL)
        goto fail;
    boot = slot_alloc(reg, 0);
    if (boot == NULL)
        goto fail;
    loader_reset(boot, 0, 0);
    boot->inspected = true;
    boot->gen_seq = 1;
    atomic_store(&boot->gen, 1);
    reg->used_slots = 1;
    reg->in_use = 1;
    reg->next_id = 1;
    return reg;
fail:
    ml_registry_free(reg);
    return NULL;
}

void ml_registry_free(struct ml_registry *reg)
{
    if (reg == NULL)
        return;
    if (reg->chunks != NULL) {
        for (uint32_t c = 0; c < reg->n_chunks; c++) {
            struct ml_loader *chunk = atomic_load(&reg->chunks[c]);

            if (chunk == NULL)
                continue;
            for (uint32_t i = 0; i < CHUNK; i++) {
                if (atomic_load(&chunk[i].gen) != 0)
                    loader_free_strings(&chunk[i]);
            }
            free(chunk);
        }
        free(reg->chunks);
    }
    free(reg);
}

struct ml_loader *ml_registry_boot(struct ml_registry *reg)
{
    return slot_ptr(reg, 0);
}

struct ml_loader *ml_registry_add(struct ml_registry *reg, int64_t now_ms)
{
    uint32_t slot;
    struct ml_loader *l;

    if (reg->free_head != 0) {
        slot = reg->free_head - 1;
        l = slot_ptr(reg, slot);
        reg->free_head = l->history_next;
    } else if (reg->used_slots < reg->max_loaders) {
        slot = reg->used_slots;
        l = slot_alloc(reg, slot);
        if (l == NULL) {
            reg->dropped_loaders++;
            return NULL;
        }
        reg->used_slots++;
    } else {
        reg->dropped_loaders++;
        return NULL;
    }
    loader_reset(l, reg->next_id++, now_ms);
    l->gen_seq = (l->gen_seq & GEN_MASK) == GEN_MASK ? 1 : l->gen_seq + 1;
    /* Publish last: a lock-free reader that sees the generation sees a reset record. */
    atomic_store_explicit(&l->gen, l->gen_seq, memory_order_release);
    reg->in_use++;
    return l;
}

struct ml_loader *ml_registry_lookup(const struct ml_registry *reg, uint64_t tag)
{
    uint64_t slot1 = tag & SLOT_MASK;
    uint32_t gen = (uint32_t)((tag >> 32) & GEN_MASK);
    struct ml_loader *l;

    if (slot1 == 0 || (tag & (ML_TAG_SEEN | ML_TAG_UNTRACKED)) != 0)
        return NULL;
    l = slot_ptr(reg, (uint32_t)(slot1 - 1));
    if (l == NULL || gen == 0 || atomic_load_explicit(&l->gen, memory_order_acquire) != gen)
        return NULL;
    return l;
}

uint64_t ml_loader_tag(const struct ml_loader *l)
{
    return ((uint64_t)(atomic_load(&l->gen) & GEN_MASK) << 32) | ((uint64_t)l->slot + 1);
}

uint64_t ml_loader_hidden_tag(const struct ml_loader *l)
{
    return ML_TAG_HIDDEN | ml_loader_tag(l);
}

/* Frees a record's strings and returns its slot to the free list. */
static void evict(struct ml_registry *reg, struct ml_loader *l)
{
    loader_free_strings(l);
    atomic_store_explicit(&l->gen, 0, memory_order_release);
    l->history_next = reg->free_head;
    reg->free_head = l->slot + 1;
    reg->in_use--;
    reg->dropped_history++;
}

void ml_registry_note_unloaded(struct ml_registry *reg, struct ml_loader *l)
{
    if (l->slot == 0 || l->verdict.leaked)
        return; /* the bootstrap loader never unloads; leaks are kept for the whole run */
    l->history_next = 0;
    if (reg->hist_tail != 0)
        slot_ptr(reg, reg->hist_tail - 1)->history_next = l->slot + 1;
    else
        reg->hist_head = l->slot + 1;
    reg->hist_tail = l->slot + 1;
    reg->hist_len++;
    while (reg->hist_len > reg->history && reg->hist_head != 0) {
        struct ml_loader *old = slot_ptr(reg, reg->hist_head - 1);

        reg->hist_head = old->history_next;
        if (reg->hist_head == 0)
            reg->hist_tail = 0;
        reg->hist_len--;
        evict(reg, old);
    }
}

int ml_loader_add_url(struct ml_registry *reg, struct ml_loader *l, const char *url)
{
    char **grown;
    char *copy;
    size_t len = strlen(url);

    if (l->n_urls >= ML_MAX_URLS || len > ML_MAX_URL_LEN) {
        atomic_fetch_add(&reg->dropped_urls, 1);
        return ML_ERR_FULL;
    }
    copy = malloc(len + 1);
    if (copy == NULL)
        return ML_ERR_NOMEM;
    memcpy(copy, url, len + 1);
    grown = realloc(l->urls, (l->n_urls + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(copy);
        return ML_ERR_NOMEM;
    }
    l->urls = grown;
    l->urls[l->n_urls++] = copy;
    return ML_OK;
}

void ml_loader_clear_urls(struct ml_loader *l)
{
    for (uint32_t i = 0; i < l->n_urls; i++)
        free(l->urls[i]);
    free(l->urls);
    l->urls = NULL;
    l->n_urls = 0;
}

struct ml_loader *ml_registry_next(const struct ml_registry *reg, const struct ml_loader *prev)
{
    for (uint32_t s = prev == NULL ? 0 : prev->slot + 1; s < reg->used_slots; s++) {
        struct ml_loader *l = slot_ptr(reg, s);

        if (l != NULL && atomic_load(&l->gen) != 0)
            return l;
    }
    return NULL;
}

struct ml_loader *ml_registry_find_id(const struct ml_registry *reg, uint64_t id)
{
    for (struct ml_loader *l = ml_registry_next(reg, NULL); l != NULL;
         l = ml_registry_next(reg, l)) {
        if (l->id == id)
            return l;
    }
    return NULL;
}

uint64_t ml_loader_classes_live(const struct ml_loader *l)
{
    uint64_t defined = atomic_load(&l->classes_defined);
    uint64_t gone = atomic_load(&l->hidden_unloaded);

    if (l->verdict.state == ML_STATE_UNLOADED)
        return 0;
    return defined > gone ? defined - gone : 0;
}

uint64_t ml_loader_hidden_live(const struct ml_loader *l)
{
    uint64_t defined = atomic_load(&l->hidden_defined);
    uint64_t gone = atomic_load(&l->hidden_unloaded);

    if (l->verdict.state == ML_STATE_UNLOADED)
        return 0;
    return defined > gone ? defined - gone : 0;
}

void ml_registry_stats(const struct ml_registry *reg, struct ml_registry_stats *out)
{
    out->in_use = reg->in_use;
    out->dropped_loaders = reg->dropped_loaders;
    out->dropped_urls = atomic_load(&reg->dropped_urls);
    out->dropped_history = reg->dropped_history;
}
