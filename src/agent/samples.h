/* The Metaspace time series of the report: a sample (used and committed bytes, live loaders
 * and classes) after every full collection, at most every 10 s otherwise, and before each
 * report. Worker thread only. */
#ifndef METALEAK_SAMPLES_H
#define METALEAK_SAMPLES_H

#include <jni.h>
#include <stdbool.h>

#include "metaleak/mspaceverdict.h"

/* The first sample, once the management beans are ready. */
void ml_samples_start(JNIEnv *jni);
/* Adds a sample now (after_full_gc: right after a class-unloading collection). Takes the
 * registry lock. */
void ml_samples_take(JNIEnv *jni, bool after_full_gc);
/* Adds a sample when one is due: after every full collection, at most every 10 s otherwise. */
void ml_samples_if_due(JNIEnv *jni);
/* The series so far. */
const struct ml_mspace_series *ml_samples(void);

#endif
