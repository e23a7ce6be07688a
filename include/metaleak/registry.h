/* The loader registry: one record per class loader that defined a class (or that is the parent
 * or Flink wrapper of one), in a bounded slot table.
 *
 * Workload: ClassPrepare runs on every class definition, on any thread, and must be O(1) with
 * no allocation: it turns the loader's JVMTI tag into its record with ml_registry_lookup (no
 * lock) and bumps atomic counters. New loaders are rare: ml_registry_add runs under the
 * agent's registry lock, and the registering thread writes the loader's first description
 * (its class chain) under the same lock. ObjectFree resolves tags lock-free as well. Everything
 * else (the rest of the description, the verdict, eviction) belongs to the agent's worker
 * thread, which holds the registry lock while it writes records.
 *
 * Tags: bits 0..31 = slot + 1, bits 32..55 = slot generation, bit 62 = hidden-class tag
 * (the tag of a hidden class names its defining loader), bit 61 = "class already counted"
 * marker used while existing classes are replayed, bit 60 = a loader that could not be tracked
 * because the table was full (so its later classes cost one GetTag). A slot is reused only after
 * its loader was unloaded and evicted from the history, and its generation then changes, so a
 * stale tag never resolves to the new occupant. (A reference-path search tags objects in an
 * environment of its own, with the layout of pathgraph.h.)
 *
 * Pure module: no JNI/JVMTI; `handle` is opaque here. */
#ifndef METALEAK_REGISTRY_H
#define METALEAK_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/cause.h"
#include "metaleak/flink.h"
#include "metaleak/verdict.h"

#define ML_ID_NONE UINT64_MAX          /* "no loader" in id fields */
#define ML_TAG_HIDDEN (1ULL << 62)
#define ML_TAG_SEEN (1ULL << 61)
#define ML_TAG_UNTRACKED (1ULL << 60)  /* a loader met when max_loaders was reached */
#define ML_MAX_URLS 64                 /* URLs kept per loader; more are counted as dropped */
#define ML_MAX_URL_LEN 2048            /* longer URLs are dropped and counted */

/* A class of a loader that shadows a class of the same name in one of its ancestors. */
struct ml_shadow_example {
    char *class_name;                  /* owned */
    uint64_t ancestor_id;              /* the ancestor loader that defines the same name */
    char *jar;                         /* where the loader's copy came from, owned, may be NULL */
    char *ancestor_jar;                /* where the ancestor's copy came from, owned, may be NULL */
};

struct ml_loader {
    /* Identity: set by ml_registry_add, constant while the slot is in use. */
    uint64_t id;                       /* 0 = bootstrap loader, then 1, 2, ... never reused */
    uint32_t slot;
    _Atomic uint32_t gen;              /* generation of the current occupant, 0 = slot free */
    uint32_t gen_seq;                  /* last generation handed out for this slot */
    int64_t first_seen_ms;
    /* The agent's weak reference (NULL for bootstrap): set right after ml_registry_add, before
     * the loader carries the tag; deleted and set to NULL by the worker when the record is
     * unloaded. Registry lock held for both. */
    void *handle;

    /* Description, written under the registry lock: the class chain (url_loader, class_name,
     * role, order, hash) by the thread that registers the loader; name, parent, URLs and job id
     * by the worker before `inspected` is set; URLs and job id again when the worker sees the
     * loader closed; wrapper_id / inner_id (and a wrapper's job id) when it links a Flink
     * SafetyNet wrapper. Read by the worker (reports, passes, searches); ClassPrepare never
     * reads them. */
    bool inspected;
    bool url_loader;                   /* instance of java.net.URLClassLoader */
    char *class_name;                  /* Java class name, owned; NULL until inspected */
    char *name;                        /* ClassLoader.getName(), owned; NULL when unnamed */
    bool has_hash;
    uint32_t identity_hash;
    uint64_t parent_id;                /* ML_ID_NONE when unknown / not applicable */
    char **urls;                       /* owned array of owned strings */
    uint32_t n_urls;
    enum ml_role role;
    enum ml_order order;
    char job_id[33];                   /* "" when unknown */
    uint64_t wrapper_id;               /* SafetyNet wrapper of a user-code loader, ML_ID_NONE */
    uint64_t inner_id;                 /* loader wrapped by a SafetyNet wrapper, ML_ID_NONE */

    /* Hot counters: updated lock-free from ClassPrepare and ObjectFree. */
    _Atomic uint64_t classes_defined;
    _Atomic uint64_t hidden_defined;
    _Atomic uint64_t hidden_unloaded;
    _Atomic int64_t last_define_ms;    /* -1 = never defined a class */
    _Atomic int64_t freed_ms;          /* set by ObjectFree, -1 while the object lives */

    /* Metaspace (worker only): from HotSpot's per-loader accounting, -1 = not measured. */
    int64_t metaspace_bytes;           /* used bytes of the loader's own CLD */

    /* Verdict: worker thread only. */
    struct ml_verdict verdict;

    /* Reference path (worker thread only; refpath.c). */
    struct ml_path path;               /* n_steps == 0: none known */
    enum ml_path_status path_status;
    int64_t path_search_ms;            /* duration of the search that set path_status, -1 none */
    int64_t path_searched_ms;          /* when that search ran (ms since JVM start), -1 none */
    bool awaiting_unload;              /* closed, no path from a GC root: garbage not yet freed */
    int32_t search_idx;                /* index while a search runs, -1 otherwise */

    /* Class inventory (worker thread only; inventory.h). */
    bool inventoried;                  /* the fields below were measured */
    uint32_t shadowed;                 /* classes that shadow an ancestor's class */
    struct ml_shadow_example *shadow_examples;  /* owned, at most ML_SHADOW_EXAMPLES */
    uint32_t n_shadow_examples;
    uint32_t lambdas;                  /* live lambda classes ($$Lambda) */
    uint32_t proxies;                  /* live dynamic proxy classes ($ProxyN) */
    bool suspect;                      /* live, superseded and idle: see inventory.h */
    uint64_t superseded_by;            /* the newer loader with the same jar set, ML_ID_NONE */
    bool alerted;                      /* its leak was said in the log (worker; status.c) */
    uint32_t history_next;             /* intrusive FIFO of unloaded slots (slot + 1, 0 = end) */
};

struct ml_registry_stats {
    uint32_t in_use;                   /* slots in use, bootstrap included */
    uint64_t dropped_loaders;          /* loaders not tracked because max_loaders was reached */
    uint64_t dropped_urls;             /* URLs not kept (ML_MAX_URLS, ML_MAX_URL_LEN) */
    uint64_t dropped_history;          /* unloaded loaders forgotten beyond `history` */
};

struct ml_registry;

/* Creates a registry for at most max_loaders loaders (the bootstrap record included) that keeps
 * `history` unloaded, non-leaked loaders. Returns NULL when out of memory; the caller owns the
 * result and frees it with ml_registry_free. */
struct ml_registry *ml_registry_new(uint32_t max_loaders, uint32_t history);

/* Frees the registry, its records and their strings (not the handles). Accepts NULL. */
void ml_registry_free(struct ml_registry *reg);

/* The bootstrap loader's record (id 0). Never NULL. */
struct ml_loader *ml_registry_boot(struct ml_registry *reg);

/* Adds a live loader record with the next id. The caller holds the registry lock. Returns NULL
 * (and counts dropped_loaders) when max_loaders are in use. */
struct ml_loader *ml_registry_add(struct ml_registry *reg, int64_t now_ms);

/* Resolves a loader tag or hidden-class tag to its record, or NULL for 0, SEEN markers, stale
 * tags and free slots. Lock-free. */
struct ml_loader *ml_registry_lookup(const struct ml_registry *reg, uint64_t tag);

/* The tag to put on a loader object, and on the hidden classes it defines. */
uint64_t ml_loader_tag(const struct ml_loader *l);
uint64_t ml_loader_hidden_tag(const struct ml_loader *l);

/* Records that l (already in state unloaded) joined the history. When more than `history`
 * non-leaked unloaded loaders are kept, the oldest is evicted: its strings are freed and its
 * slot becomes reusable. Leaked loaders are never evicted. Worker thread, registry lock held. */
void ml_registry_note_unloaded(struct ml_registry *reg, struct ml_loader *l);

/* Copies a string into l->urls, or counts it in dropped_urls when a bound is hit. Returns
 * ML_OK, ML_ERR_FULL (dropped) or ML_ERR_NOMEM. */
int ml_loader_add_url(struct ml_registry *reg, struct ml_loader *l, const char *url);

/* Frees l's shadowed-class examples. */
void ml_loader_clear_shadows(struct ml_loader *l);

/* Frees l's URLs (before they are read again). */
void ml_loader_clear_urls(struct ml_loader *l);

/* Finds the record with this id among the slots in use, or NULL. O(slots). */
struct ml_loader *ml_registry_find_id(const struct ml_registry *reg, uint64_t id);

/* Iterates over records in use in slot order: pass NULL first, then the previous result.
 * Returns NULL at the end. The caller holds the registry lock. */
struct ml_loader *ml_registry_next(const struct ml_registry *reg, const struct ml_loader *prev);

/* Classes of l still alive (0 once unloaded), and hidden ones among them. */
uint64_t ml_loader_classes_live(const struct ml_loader *l);
uint64_t ml_loader_hidden_live(const struct ml_loader *l);

void ml_registry_stats(const struct ml_registry *reg, struct ml_registry_stats *out);

#endif
