/* A pass over every loader record, and the forced collections of the exit verdict. Worker
 * thread only. */
#ifndef METALEAK_PASS_H
#define METALEAK_PASS_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

struct ml_pass_result {
    unsigned new_candidates;   /* loaders that turned candidates (verdict.h) */
    unsigned new_closes;
    unsigned withdrawn;        /* leak verdicts withdrawn because the loader was unloaded */
    unsigned closed_unproven;  /* closed, alive, waiting for collections (wrappers, candidates
                                * and softly reachable loaders excluded) */
    bool want_wrapper_scan;
};

/* One look at every loader. Holds the registry lock (never taken by GC callbacks or
 * ObjectFree). Returns ML_OK or ML_ERR_JVM. */
int ml_pass_run(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res);
/* Forces collections until no closed loader waits for one (bounded by the number of
 * collections a verdict needs); from now on every pass reads every closed flag. With
 * `finalize`, pending finalizers run between the forced collections. *new_candidates counts
 * the loaders that turned candidates; res->withdrawn counts over all the passes. */
int ml_pass_verify(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res,
                   unsigned *new_candidates, bool finalize);
/* Settles the candidates (verdict.h) after the reference-path search had its say: each turns
 * leaked once its close is LEAK_SETTLE_MS old; all of them with `final` (the shutdown
 * checkpoint, the exit: then every leak is final) or with `now` (a Metaspace OOM: its report
 * needs the verdicts). Returns the loaders that turned leaked. */
unsigned ml_pass_settle(JNIEnv *jni, bool final, bool now);

/* Live loaders whose closed flag the last pass polled (URL loaders and wrappers). */
uint32_t ml_pass_live_polled(void);
/* When the last pass ended (ms since JVM start). */
int64_t ml_pass_last_ms(void);
/* Loaders seen closed so far. */
uint64_t ml_pass_closes_seen(void);
/* The shutdown checkpoint ended at when_ms: loaders released after it (by shutdown hooks) are
 * not judged any more. */
void ml_pass_checkpoint_ended(int64_t when_ms);

#endif
