/* Writing a report: gathers what the JVM says, renders the registry, replaces the report file
 * atomically. Worker thread only. */
#ifndef METALEAK_REPORTWRITE_H
#define METALEAK_REPORTWRITE_H

#include <jni.h>
#include <jvmti.h>
#include <stdint.h>

#include "metaleak/mspaceverdict.h"

/* Renders and writes a report now. Returns ML_OK, or the error (said once per kind). */
int ml_reportwrite(JNIEnv *jni, const char *trigger);
/* The Metaspace verdict and forecast now (the report's metaspace.verdict), from the leaked
 * loaders, the samples, the limit and the given Metaspace usage. Takes the registry lock. */
void ml_reportwrite_judge(int64_t used, int64_t committed, int64_t max,
                          struct ml_mspace_judgement *out);

/* Reports written so far. */
struct ml_reportwrite_stats {
    uint64_t written;
    int64_t last_epoch_ms;     /* -1 none */
    const char *last_trigger;  /* static string, NULL none */
};
void ml_reportwrite_stats(struct ml_reportwrite_stats *out);

/* Reads Flink's configuration when this JVM runs a Flink entry point. */
void ml_reportwrite_flink_init(jvmtiEnv *jvmti);

#endif
