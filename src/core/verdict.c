/* The leak verdict state machine (see verdict.h). */
#include "metaleak/verdict.h"

#include <stddef.h>

void ml_verdict_init(struct ml_verdict *v)
{
    v->state = ML_STATE_LIVE;
    v->leaked = false;
    v->proof = ML_PROOF_NONE;
    v->closed_ms = -1;
    v->leaked_ms = -1;
    v->unloaded_ms = -1;
    v->gc_base = 0;
    v->gcs_since_close = 0;
}

bool ml_verdict_close(struct ml_verdict *v, int64_t now_ms, uint64_t full_gcs)
{
    if (v->state != ML_STATE_LIVE)
        return false;
    v->state = ML_STATE_CLOSED;
    v->closed_ms = now_ms;
    v->gc_base = full_gcs;
    v->gcs_since_close = 0;
    return true;
}

bool ml_verdict_gc(struct ml_verdict *v, uint64_t full_gcs, uint64_t needed, bool alive,
                   int64_t now_ms)
{
    if (v->state != ML_STATE_CLOSED && v->state != ML_STATE_LEAKED)
        return false;
    if (full_gcs > v->gc_base)
        v->gcs_since_close = full_gcs - v->gc_base;
    if (v->state != ML_STATE_CLOSED || !alive || v->gcs_since_close < needed)
        return false;
    v->state = ML_STATE_LEAKED;
    v->leaked = true;
    v->proof = ML_PROOF_FULL_GC;
    v->leaked_ms = now_ms;
    return true;
}

bool ml_verdict_prove_path(struct ml_verdict *v, int64_t now_ms)
{
    if (v->state != ML_STATE_CLOSED)
        return false;
    v->state = ML_STATE_LEAKED;
    v->leaked = true;
    v->proof = ML_PROOF_PATH;
    v->leaked_ms = now_ms;
    return true;
}

void ml_verdict_unload(struct ml_verdict *v, int64_t now_ms)
{
    if (v->state == ML_STATE_UNLOADED)
        return;
    v->state = ML_STATE_UNLOADED;
    v->unloaded_ms = now_ms;
}

const char *ml_state_name(enum ml_state state)
{
    switch (state) {
    case ML_STATE_CLOSED:
        return "closed";
    case ML_STATE_LEAKED:
        return "leaked";
    case ML_STATE_UNLOADED:
        return "unloaded";
    case ML_STATE_LIVE:
    default:
        return "live";
    }
}

const char *ml_proof_name(enum ml_proof proof)
{
    switch (proof) {
    case ML_PROOF_FULL_GC:
        return "full-gc";
    case ML_PROOF_PATH:
        return "path";
    case ML_PROOF_NONE:
    default:
        return NULL;
    }
}
