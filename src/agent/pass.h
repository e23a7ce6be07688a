/* A pass over every loader record, and the forced collections of the exit verdict. Worker
 * thread only. */
#ifndef METALEAK_PASS_H
#define METALEAK_PASS_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

struct ml_pass_result {
    unsigned new_leaks;
    unsigned new_closes;
    unsigned closed_unproven;  /* closed, alive, not yet leaked (wrappers excluded) */
    bool want_wrapper_scan;
};

/* One look at every loader. Holds the registry lock (never taken by GC callbacks or
 * ObjectFree). Returns ML_OK or ML_ERR_JVM. */
int ml_pass_run(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res);
/* Forces collections until every closed loader has a verdict (bounded by the number of
 * collections a verdict needs); from now on every pass reads every closed flag. With
 * `finalize`, pending finalizers run between the forced collections. *new_leaks counts the
 * loaders proven leaked. */
int ml_pass_verify(jvmtiEnv *jvmti, JNIEnv *jni, struct ml_pass_result *res,
                   unsigned *new_leaks, bool finalize);

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
