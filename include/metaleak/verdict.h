/* The leak verdict for one class loader: live -> closed -> leaked, and unloaded from any state.
 * Pure state machine (no JVM), driven by the agent's worker thread only.
 *
 *   live      the owner has not released the loader
 *   closed    released (URLClassLoader.close() ran, or a Flink SafetyNet wrapper dropped `inner`)
 *             but not yet proven alive
 *   leaked    closed and still alive after `needed` full collections counted from the moment the
 *             close was observed
 *   unloaded  the loader object was garbage collected; `leaked` stays true if it had been proven
 */
#ifndef METALEAK_VERDICT_H
#define METALEAK_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

enum ml_state { ML_STATE_LIVE = 0, ML_STATE_CLOSED, ML_STATE_LEAKED, ML_STATE_UNLOADED };
enum ml_proof { ML_PROOF_NONE = 0, ML_PROOF_FULL_GC, ML_PROOF_PATH };

struct ml_verdict {
    enum ml_state state;
    bool leaked;               /* proven leaked at some point; stays true after unloading */
    enum ml_proof proof;
    int64_t closed_ms;         /* ms since JVM start when the close was observed, -1 = never */
    int64_t leaked_ms;         /* ms since JVM start of the proof, -1 = never */
    int64_t unloaded_ms;       /* ms since JVM start of the unload, -1 = never */
    uint64_t gc_base;          /* full-collection count when the close was observed */
    uint64_t gcs_since_close;  /* full collections counted since then */
};

/* A fresh, live verdict. Cannot fail. */
void ml_verdict_init(struct ml_verdict *v);

/* live -> closed at now_ms, with full_gcs collections so far. Returns true on the transition,
 * false when the loader was not live (closing twice or after unload changes nothing). */
bool ml_verdict_close(struct ml_verdict *v, int64_t now_ms, uint64_t full_gcs);

/* Accounts the current full-collection count. A closed loader that is `alive` and has seen at
 * least `needed` full collections since its close turns leaked (proof full-gc). Returns true
 * exactly when this call made it leaked. */
bool ml_verdict_gc(struct ml_verdict *v, uint64_t full_gcs, uint64_t needed, bool alive,
                   int64_t now_ms);

/* closed -> leaked at now_ms with proof "path": a reference chain from a GC root was found.
 * Returns true on the transition, false when the loader was not closed. */
bool ml_verdict_prove_path(struct ml_verdict *v, int64_t now_ms);

/* Any state -> unloaded at now_ms. A proven leak keeps `leaked`. Idempotent. */
void ml_verdict_unload(struct ml_verdict *v, int64_t now_ms);

/* "live", "closed", "leaked", "unloaded". */
const char *ml_state_name(enum ml_state state);

/* "full-gc", "path", or NULL for ML_PROOF_NONE. */
const char *ml_proof_name(enum ml_proof proof);

#endif
