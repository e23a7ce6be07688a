/* The leak verdict for one class loader: live -> closed -> leaked, and unloaded from any state.
 * Pure state machine (no JVM), driven by the agent's worker thread only. docs/gc.md states the
 * rule for users.
 *
 *   live      the owner has not released the loader
 *   closed    released (URLClassLoader.close() ran, or a Flink SafetyNet wrapper dropped `inner`)
 *             but not yet proven leaked
 *   leaked    closed and held: see below
 *   unloaded  the loader object was garbage collected; `leaked` stays true if it had been proven
 *             and the verdict stands (see withdrawal)
 *
 * The proof. A closed loader that is alive after `needed` full collections counted from the
 * moment its close was observed is a candidate. A candidate is leaked once its close is
 * `settle_ms` old (a thread that was still using it has let go by then), or at once at the
 * shutdown checkpoint and at exit (`final`). A reference-path search may decide earlier and
 * overrides the collections (ml_verdict_held): a chain from a durable root (a static field, a
 * live thread object, a JNI global reference, ...) makes it leaked at once; a chain only from
 * locals on thread stacks means it is in use: it stays closed and only a later search decides
 * (the same thread still holding it `in_use_limit_ms` later makes it leaked); no strong
 * reference at all means it is not held (awaiting unload; if it also survives `needed` more full
 * collections it is softly reachable: only soft, weak or final references keep it, and the JVM
 * frees it before an OutOfMemoryError). The rule does not need a search to have run.
 *
 * Withdrawal. A leak is withdrawn (leaked false again, state closed or unloaded, counted apart)
 * when a later search finds it in use or not held, or when it is unloaded before any search
 * found a durable chain to it. Verdicts given at the shutdown checkpoint or at exit are final:
 * a shutdown hook may release a loader it pinned during the whole run. */
#ifndef METALEAK_VERDICT_H
#define METALEAK_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

enum ml_state { ML_STATE_LIVE = 0, ML_STATE_CLOSED, ML_STATE_LEAKED, ML_STATE_UNLOADED };
enum ml_proof { ML_PROOF_NONE = 0, ML_PROOF_FULL_GC, ML_PROOF_PATH };

/* What the last search that decided something said about a closed or leaked loader. */
enum ml_hold {
    ML_HOLD_UNKNOWN = 0,       /* no search decided (none ran, or it was cut short) */
    ML_HOLD_DURABLE,           /* a chain from a durable root */
    ML_HOLD_STACK,             /* chains only from locals on thread stacks: in use */
    ML_HOLD_NONE,              /* no strong reference: soft/weak/final references, or garbage */
};

/* Why a leak verdict was taken back. */
enum ml_withdrawal {
    ML_WITHDRAWN_NONE = 0,
    ML_WITHDRAWN_UNLOADED,     /* unloaded before a search found a durable chain to it */
    ML_WITHDRAWN_IN_USE,       /* a search found it held only by a thread's stack */
    ML_WITHDRAWN_NO_HOLDER,    /* a search found no strong reference to it */
};

struct ml_verdict {
    enum ml_state state;
    bool leaked;               /* proven leaked and not withdrawn; stays true after unloading */
    enum ml_proof proof;
    int64_t closed_ms;         /* ms since JVM start when the close was observed, -1 = never */
    int64_t leaked_ms;         /* ms since JVM start of the proof, -1 = never (or withdrawn) */
    int64_t unloaded_ms;       /* ms since JVM start of the unload, -1 = never */
    uint64_t gc_base;          /* full-collection count when the close was observed */
    uint64_t gcs_since_close;  /* full collections counted since then */
    bool gc_proven;            /* alive after the needed collections at some point */
    bool candidate;            /* gc_proven and waiting to settle (ml_verdict_settle) */
    bool final;                /* leaked at the shutdown checkpoint or at exit: never withdrawn */
    enum ml_hold hold;         /* the last deciding search's answer */
    uint64_t hold_gcs;         /* full-collection count when that search ran */
    int64_t in_use_since_ms;   /* hold STACK: since when the same thread holds it, -1 */
    bool softly;               /* hold NONE and alive `needed` full collections after it */
    enum ml_withdrawal withdrawn;
    int64_t withdrawn_ms;      /* when the last withdrawal happened, -1 = never */
    int64_t withdrawn_leaked_ms; /* leaked_ms of the verdict that was withdrawn, -1 */
};

/* A fresh, live verdict. Cannot fail. */
void ml_verdict_init(struct ml_verdict *v);

/* live -> closed at now_ms, with full_gcs collections so far. Returns true on the transition,
 * false when the loader was not live (closing twice or after unload changes nothing). */
bool ml_verdict_close(struct ml_verdict *v, int64_t now_ms, uint64_t full_gcs);

/* Accounts the current full-collection count for a closed or leaked loader. A closed loader that
 * is `alive` and has seen at least `needed` full collections since its close becomes a candidate,
 * unless its last search found it in use or not held (then only a search decides; a loader not
 * held and still alive `needed` collections after that search is marked softly reachable).
 * Returns true exactly when this call made it a candidate. */
bool ml_verdict_gc(struct ml_verdict *v, uint64_t full_gcs, uint64_t needed, bool alive,
                   int64_t now_ms);

/* A candidate turns leaked (proof full-gc) when its close is at least settle_ms old, or with
 * `final` (the shutdown checkpoint, the exit), which also makes every leak still alive final.
 * Returns true when this call made it leaked. */
bool ml_verdict_settle(struct ml_verdict *v, int64_t now_ms, int64_t settle_ms, bool final);

/* What a reference-path search found for a closed or leaked loader, at now_ms with full_gcs
 * collections counted. `same_thread`: with ML_HOLD_STACK, the thread whose stack holds it held
 * it at the previous search too. in_use_limit_ms: how long such a thread may hold it before it
 * counts as leaked (0: never).
 *   DURABLE  closed -> leaked (proof full-gc when gc_proven, else path); a leak is confirmed
 *   STACK    in use: a closed loader stays closed (no longer a candidate); a leak that is not
 *            final is withdrawn (in-use). Held by the same thread for in_use_limit_ms: DURABLE.
 *   NONE     not held: the same, withdrawn as no-holder
 *   UNKNOWN  nothing changes
 * Returns +1 when it turned leaked, -1 when a leak was withdrawn, 0 otherwise. */
int ml_verdict_held(struct ml_verdict *v, enum ml_hold hold, bool same_thread, int64_t now_ms,
                    uint64_t full_gcs, int64_t in_use_limit_ms);

/* Any state -> unloaded at now_ms. A leak that is not final and that no search found durably
 * held is withdrawn (unloaded); any other leak keeps `leaked`. Idempotent. */
void ml_verdict_unload(struct ml_verdict *v, int64_t now_ms);

/* "live", "closed", "leaked", "unloaded". */
const char *ml_state_name(enum ml_state state);

/* "full-gc", "path", or NULL for ML_PROOF_NONE. */
const char *ml_proof_name(enum ml_proof proof);

/* "unloaded", "in-use", "no-holder", or NULL for ML_WITHDRAWN_NONE. */
const char *ml_withdrawal_name(enum ml_withdrawal w);

#endif
