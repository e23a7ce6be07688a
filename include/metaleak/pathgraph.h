/* The reference-path search graph: what one heap walk records so that every leaked loader gets
 * a short chain of references from a GC root to an object it owns.
 *
 * Workload. A search tags, in a throw-away JVMTI environment, every loaded class (~10^4..10^6),
 * every live thread (~10^2) and every leaked loader object, then walks the heap with
 * FollowReferences several times. The callback runs for every reference of the heap (10^7 and
 * more, inside a stop-the-world VM operation) and must be a few instructions for the
 * uninteresting ones: ml_pg_interesting() decides that from two tags, without a lock or a call.
 *
 * The search goes backwards, one walk per step ("pass"):
 *   pass 1 finds every entry edge: a reference from an object NOT owned by the same leaked
 *          loader to one that is (the loader, a Class it defined, an instance of such a class).
 *          Its referrer is tagged as a new node. A referrer owned by ANOTHER leaked loader is
 *          recorded too (one job's handler keeps the previous job's handler): its node belongs
 *          to that loader, and a chain may run through it ("through" node).
 *   pass k finds the referrers of the nodes tagged in pass k-1, and tags them in turn; for a
 *          through node, its referrers inside its own loader (the way from that loader's entry
 *          objects to it).
 * A chain ends at an anchor: a GC root edge (thread, stack local, JNI global, ...), a live thread
 * or a Class of a loader that is not leaked (a static field: the class lives with its loader).
 * A hidden class is no anchor (ML_PG_PLAIN: it lives only while something references it), nor
 * is a class of a leaked loader. Referrers owned by the same leaked loader are never followed:
 * they are reachable only through the leak itself; with one leaked loader in the search, neither
 * are its objects' references into the chain. After each pass ml_pg_solve() runs a
 * breadth-first search over the recorded graph; the walks stop when every target has a path,
 * when a pass tagged nothing new, or when the caller's budget ends.
 *
 * The walks follow strong references only: the caller returns 0 (do not visit) for a
 * java.lang.ref.Reference's referent. So a reference is reported only from a strongly reachable
 * object, and any reference into an object of a target proves the target strongly reachable
 * (`reachable`), chain or no chain: a target that no reference reaches in a complete first pass
 * is held only through soft, weak, final or phantom references, or is garbage.
 *
 * Tags of the throw-away environment, the one layout of a search's tags:
 *   bits 62..63  kind (class, thread, node)           ML_PG_KIND, ML_PG_KIND_*
 *   bit 61       owned by a target                    ML_PG_OWNED
 *   bit 60       on a class: java.lang.ref.Reference or a subclass (its referent is skipped)
 *                                                     ML_PG_REFERENCE
 *   bit 59       on a class: java.lang.Thread or a subclass            ML_PG_THREAD_CLASS
 *   bit 58       on java.lang.Class (an untagged class met as a referrer is known to be a
 *                class, an anchor)                    ML_PG_MIRROR
 *   bit 57       on a class whose instances refer to no object that could be on a chain
 *                (primitive arrays, String, the boxes): the walks do not visit them
 *                                                     ML_PG_LEAF
 *   bit 56       on a class: a hidden class, which anchors nothing; when met as a referrer its
 *                tag is replaced by a node's           ML_PG_PLAIN
 *   bits 0..31   the index in the kind's table        ML_PG_IDX
 *   the whole tag 1: a temporary mark while the shutdown hooks at exit are found
 *                                                     ML_PG_HOOK_MARK
 * (The agent's own environment tags loaders and classes with another layout: registry.h.)
 * Only classes whose tag a walk reads are tagged: each tag slows every reference of a walk
 * down. Memory is bounded by the caps given to ml_pg_new (nodes, edges); when a cap is hit,
 * nothing more is recorded and `full` is set.
 *
 * Pure module: no JNI/JVMTI. Callers map JVMTI reference kinds to enum ml_ref. */
#ifndef METALEAK_PATHGRAPH_H
#define METALEAK_PATHGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_PG_KIND_SHIFT 62
#define ML_PG_KIND_CLASS 1ULL
#define ML_PG_KIND_THREAD 2ULL
#define ML_PG_KIND_NODE 3ULL
#define ML_PG_OWNED (1ULL << 61)
#define ML_PG_REFERENCE (1ULL << 60)     /* class tag: a java.lang.ref.Reference subclass */
#define ML_PG_THREAD_CLASS (1ULL << 59)  /* class tag: java.lang.Thread or a subclass */
#define ML_PG_MIRROR (1ULL << 58)  /* on the tag of java.lang.Class: its instances are classes */
#define ML_PG_LEAF (1ULL << 57)    /* class tag: its instances hold nothing a chain could pass */
#define ML_PG_PLAIN (1ULL << 56)   /* class tag: a hidden class, no anchor (see above) */
#define ML_PG_HOOK_MARK 1ULL       /* temporary tag: found while naming the exit hooks */
#define ML_PG_IDX(tag) ((uint32_t)((tag) & 0xffffffffULL))
#define ML_PG_KIND(tag) ((uint64_t)(tag) >> ML_PG_KIND_SHIFT)
#define ML_PG_NO_TARGET (-1)

/* How an object is held by the previous one (JVMTI heap reference kinds, and root kinds). */
enum ml_ref {
    ML_REF_OTHER = 0,
    ML_REF_CLASS,              /* an object's reference to its class */
    ML_REF_FIELD,
    ML_REF_ARRAY_ELEMENT,
    ML_REF_CLASS_LOADER,
    ML_REF_SIGNERS,
    ML_REF_PROTECTION_DOMAIN,
    ML_REF_INTERFACE,
    ML_REF_STATIC_FIELD,
    ML_REF_CONSTANT_POOL,
    ML_REF_SUPERCLASS,
    /* root kinds */
    ML_REF_ROOT_JNI_GLOBAL,
    ML_REF_ROOT_SYSTEM_CLASS,
    ML_REF_ROOT_MONITOR,
    ML_REF_ROOT_STACK_LOCAL,
    ML_REF_ROOT_JNI_LOCAL,
    ML_REF_ROOT_THREAD,
    ML_REF_ROOT_OTHER,
    /* anchors that are not JVMTI roots: a live thread, a class of a live loader */
    ML_REF_ANCHOR_THREAD,
    ML_REF_ANCHOR_CLASS,
};

/* The report's name of a reference kind ("field", "static-field", "jni-global", ...). */
const char *ml_ref_name(enum ml_ref ref);
bool ml_ref_is_root(enum ml_ref ref);

/* What a reference callback knows about the edge besides the two tags. */
struct ml_pg_refinfo {
    enum ml_ref ref;
    int32_t index;             /* field index, array index, constant pool index; -1 none */
    uint64_t thread_tag;       /* stack-local / JNI-local roots: the thread's tag, 0 unknown */
    void *method;              /* stack-local / JNI-local roots: the jmethodID, NULL unknown */
    int32_t depth;             /* frame depth, -1 unknown */
};

struct ml_pg_class {
    uint64_t loader_id;        /* registry id of the defining loader (0 bootstrap), or UINT64_MAX */
    int32_t target;            /* index of the leaked loader that defined it, or ML_PG_NO_TARGET */
    int32_t node;              /* its node once it is an anchor on some chain, -1 before */
};

struct ml_pg_thread {
    int32_t node;              /* its node once it is an anchor, -1 before */
    bool ignore;               /* our own worker thread: its locals are never a cause */
    bool weak;                 /* a shutdown hook the JVM is running: a chain from it is used
                                * only when no other chain exists */
};

/* What a node is. */
enum ml_pg_object { ML_OBJ_INSTANCE = 0, ML_OBJ_CLASS, ML_OBJ_LOADER, ML_OBJ_THREAD };

struct ml_pg_node {
    uint64_t tag;              /* the object's tag in the throw-away environment */
    enum ml_pg_object object;
    uint32_t ref_idx;          /* ML_OBJ_CLASS: the class it is; ML_OBJ_THREAD: thread index */
    uint32_t class_idx;        /* class of the object (class table index), UINT32_MAX unknown */
    int32_t target;            /* owned: the target that owns it; else ML_PG_NO_TARGET */
    uint16_t pass;             /* pass that tagged it (0: before the walks) */
    enum ml_ref anchor;        /* ML_REF_ANCHOR_* for anchors, ML_REF_OTHER otherwise */
    bool through;              /* owned, met as a referrer on another target's chain: its
                                * referrers inside its loader are searched */
    int32_t dist;              /* ml_pg_solve: edges from a root/anchor, -1 unreachable */
    int32_t via;               /* ml_pg_solve: edge that reaches it on a shortest chain, -1 */
    bool no_jni_root;          /* the agent's own JNI global references hold it: not a cause */
    bool weak;                 /* an anchor used only when nothing else reaches a target */
    bool retired;              /* ml_pg_focus: leads to no target still without a chain, so its
                                * referrers are not looked for */
};

struct ml_pg_edge {
    int32_t from;              /* node index, -1 for a GC root edge */
    int32_t to;                /* node index */
    struct ml_pg_refinfo info;
};

struct ml_pg {
    struct ml_pg_class *classes;
    uint32_t n_classes, cap_classes;
    struct ml_pg_thread *threads;
    uint32_t n_threads, cap_threads;
    struct ml_pg_node *nodes;
    uint32_t n_nodes, cap_nodes, max_nodes;
    struct ml_pg_edge *edges;
    uint32_t n_edges, cap_edges, max_edges;
    uint32_t n_targets;
    int32_t *best;             /* ml_pg_solve: per target, the owned node closest to a root */
    bool *reachable;           /* per target: some reference into one of its objects was
                                * reported, so it is strongly reachable (see above) */
    bool *durable;             /* ml_pg_solve: per target, a durable root or anchor reaches it
                                * (a chain ending at the loader object: once the walks went one
                                * step further) */
    /* ml_pg_solve's work arrays, sized for max_nodes / max_edges by ml_pg_new: ml_pg_solve runs
     * inside a heap-walk callback, which must not allocate. */
    uint32_t *scratch_start, *scratch_adj, *scratch_queue, *scratch_fill;
    bool *scratch_set;
    uint16_t pass;             /* current pass, 1-based; 0 before the first */
    uint32_t new_nodes;        /* nodes tagged in the current pass */
    bool full;                 /* a cap was hit: some edges were not recorded */
    bool nomem;                /* an allocation failed: the search is incomplete */
};

/* Creates an empty graph for n_targets leaked loaders, recording at most max_nodes nodes and
 * max_edges edges. The node and edge tables and ml_pg_solve's work arrays are allocated at
 * their maximum here (malloc, never written before use: only the pages used become resident),
 * so that ml_pg_ref and ml_pg_solve, called from a heap-walk callback, never allocate.
 * Returns NULL when out of memory; the caller frees it with ml_pg_free. */
struct ml_pg *ml_pg_new(uint32_t n_targets, uint32_t max_nodes, uint32_t max_edges);
/* Frees the graph. Accepts NULL. */
void ml_pg_free(struct ml_pg *pg);

/* Registers a loaded class (target: the leaked loader that defined it, or ML_PG_NO_TARGET).
 * Returns the tag to set on the Class object, or 0 when out of memory. */
uint64_t ml_pg_add_class(struct ml_pg *pg, uint64_t loader_id, int32_t target);
/* Registers a live thread. Returns its tag, or 0 when out of memory. */
uint64_t ml_pg_add_thread(struct ml_pg *pg, bool ignore);
/* Makes a registered thread (by its tag) a weak anchor. */
void ml_pg_weaken_thread(struct ml_pg *pg, uint64_t tag);
/* Registers a leaked loader object (target index t). Returns its tag, 0 when out of memory. */
uint64_t ml_pg_add_target(struct ml_pg *pg, int32_t t, uint32_t class_idx);

/* Registers an object the agent itself holds with a JNI global reference (management beans):
 * JNI global roots to it are ignored, its other referrers are searched as usual. Returns its
 * tag, 0 when out of memory. */
uint64_t ml_pg_add_own_global(struct ml_pg *pg, uint32_t class_idx);

/* Starts the next pass. */
void ml_pg_begin_pass(struct ml_pg *pg);

/* The cheap test run on every reference: could this edge matter? True when the referred object
 * is owned by a target (itself, or through its class) or is a node of the search. Every
 * object's reference to its class lands on a class tag: not interesting unless owned. */
static inline bool ml_pg_interesting(uint64_t tag, uint64_t class_tag)
{
    return ((tag | class_tag) & ML_PG_OWNED) != 0 || (tag >> ML_PG_KIND_SHIFT) == ML_PG_KIND_NODE;
}

/* Handles one reference for which ml_pg_interesting() held. *tag / *referrer_tag are the tags
 * of the referred object and of the referrer (referrer_tag NULL for a root edge); the function
 * may set them (new nodes). class_tag / referrer_class_tag are their classes' tags. Never
 * allocates more than the caps; cannot fail (sets `full` / `nomem`). */
void ml_pg_ref(struct ml_pg *pg, const struct ml_pg_refinfo *info, uint64_t class_tag,
               uint64_t referrer_class_tag, uint64_t *tag, uint64_t *referrer_tag);

/* Breadth-first search from the roots and anchors over what was recorded, in three tiers, each
 * only for the targets the tiers before did not reach: durable roots and anchors (static
 * fields, JNI globals, live threads, ...), then locals on thread stacks, then weak anchors.
 * A chain of one target may run through objects of another (not through its own). Of the
 * owned objects a tier reaches, a target's chain ends at the closest, where the loader object
 * itself counts one step further than a class or instance it owns (it says less: a thread's
 * context class loader beside the Runnable of the job that the thread runs). Returns the
 * number of targets with a durable chain (the caller's stop test: a later walk may still find
 * one for a target that only a stack or a weak anchor reaches, and a chain ending at the loader
 * object counts only once the walks went one step further); found[t] (when not NULL) is set for
 * every target with any chain. */
uint32_t ml_pg_solve(struct ml_pg *pg, bool *found);

/* After ml_pg_solve: retires the nodes of the current pass that lead to no target without a
 * durable chain (their referrers need not be looked for), and returns how many nodes of the
 * current pass are left for the next pass to find referrers of (0: the next walk cannot find
 * anything more). */
uint32_t ml_pg_focus(struct ml_pg *pg);

/* The tags of up to max nodes that the next pass looks for referrers of (after ml_pg_focus).
 * Returns how many there are in all (more than max when out was too small). */
uint32_t ml_pg_frontier(const struct ml_pg *pg, uint64_t *out, uint32_t max);

/* The chain of target t after ml_pg_solve: writes up to max edge indices, from the root or
 * anchor to the owned object, into out. Returns the chain length (0 when t has none). */
size_t ml_pg_path(const struct ml_pg *pg, int32_t t, int32_t *out, size_t max);

#endif
