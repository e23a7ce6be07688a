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
    v->gc_proven = false;
    v->candidate = false;
    v->final = false;
    v->hold = ML_HOLD_UNKNOWN;
    v->hold_gcs = 0;
    v->in_use_since_ms = -1;
    v->softly = false;
    v->withdrawn = ML_WITHDRAWN_NONE;
    v->withdrawn_ms = -1;
    v->withdrawn_leaked_ms = -1;
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

static void make_leaked(struct ml_verdict *v, enum ml_proof proof, int64_t now_ms)
{
    v->state = ML_STATE_LEAKED;
    v->leaked = true;
    v->proof = proof;
    v->leaked_ms = now_ms;
    v->candidate = false;
    v->withdrawn = ML_WITHDRAWN_NONE;
    v->withdrawn_ms = -1;
    v->withdrawn_leaked_ms = -1;
}

static void withdraw(struct ml_verdict *v, enum ml_withdrawal why, int64_t now_ms)
{
    v->withdrawn = why;
    v->withdrawn_ms = now_ms;
    v->withdrawn_leaked_ms = v->leaked_ms;
    v->leaked = false;
    v->proof = ML_PROOF_NONE;
    v->leaked_ms = -1;
    v->candidate = false;
    if (v->state == ML_STATE_LEAKED)
        v->state = ML_STATE_CLOSED;
}

bool ml_verdict_gc(struct ml_verdict *v, uint64_t full_gcs, uint64_t needed, bool alive,
                   int64_t now_ms)
{
    (void)now_ms;
    if (v->state != ML_STATE_CLOSED && v->state != ML_STATE_LEAKED)
        return false;
    if (full_gcs > v->gc_base)
        v->gcs_since_close = full_gcs - v->gc_base;
    if (v->state != ML_STATE_CLOSED || !alive)
        return false;
    if (v->hold == ML_HOLD_NONE && full_gcs >= v->hold_gcs + needed)
        v->softly = true;
    if (v->gcs_since_close < needed)
        return false;
    v->gc_proven = true;
    if (v->candidate || v->hold == ML_HOLD_STACK || v->hold == ML_HOLD_NONE)
        return false; /* waiting already, or only a search decides */
    v->candidate = true;
    return true;
}

bool ml_verdict_settle(struct ml_verdict *v, int64_t now_ms, int64_t settle_ms, bool final)
{
    if (final && v->state == ML_STATE_LEAKED)
        v->final = true;
    if (v->state != ML_STATE_CLOSED || !v->candidate)
        return false;
    if (!final && now_ms - v->closed_ms < settle_ms)
        return false;
    make_leaked(v, ML_PROOF_FULL_GC, now_ms);
    v->final = final;
    return true;
}

int ml_verdict_held(struct ml_verdict *v, enum ml_hold hold, bool same_thread, int64_t now_ms,
                    uint64_t full_gcs, int64_t in_use_limit_ms)
{
    if ((v->state != ML_STATE_CLOSED && v->state != ML_STATE_LEAKED) || hold == ML_HOLD_UNKNOWN)
        return 0;
    if (hold == ML_HOLD_STACK) {
        bool held_before = v->hold == ML_HOLD_STACK && same_thread && v->in_use_since_ms >= 0;

        if (held_before && in_use_limit_ms > 0 && now_ms - v->in_use_since_ms >= in_use_limit_ms)
            hold = ML_HOLD_DURABLE; /* the same thread never lets go: it is the holder */
        else if (!held_before)
            v->in_use_since_ms = now_ms;
    }
    if (hold != ML_HOLD_STACK)
        v->in_use_since_ms = -1;
    if (hold != ML_HOLD_NONE)
        v->softly = false;
    if (hold != ML_HOLD_NONE || v->hold != ML_HOLD_NONE)
        v->hold_gcs = full_gcs;
    v->hold = hold;
    if (hold == ML_HOLD_DURABLE) {
        if (v->state != ML_STATE_CLOSED)
            return 0;
        make_leaked(v, v->gc_proven ? ML_PROOF_FULL_GC : ML_PROOF_PATH, now_ms);
        return 1;
    }
    v->candidate = false;
    if (v->state == ML_STATE_LEAKED && !v->final) {
        withdraw(v, hold == ML_HOLD_STACK ? ML_WITHDRAWN_IN_USE : ML_WITHDRAWN_NO_HOLDER, now_ms);
        return -1;
    }
    return 0;
}

void ml_verdict_unload(struct ml_verdict *v, int64_t now_ms)
{
    if (v->state == ML_STATE_UNLOADED)
        return;
    if (v->leaked && !v->final && v->hold != ML_HOLD_DURABLE)
        withdraw(v, ML_WITHDRAWN_UNLOADED, now_ms);
    v->candidate = false;
    v->softly = false;
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

const char *ml_withdrawal_name(enum ml_withdrawal w)
{
    switch (w) {
    case ML_WITHDRAWN_UNLOADED:
        return "unloaded";
    case ML_WITHDRAWN_IN_USE:
        return "in-use";
    case ML_WITHDRAWN_NO_HOLDER:
        return "no-holder";
    case ML_WITHDRAWN_NONE:
    default:
        return NULL;
    }
}
