/* Per-loader Metaspace bytes from HotSpot's own accounting (docs/metaspace.md), through the
 * DiagnosticCommand MBean. Worker thread only. Never fails the agent: on any problem the bytes
 * stay unmeasured and the source says why. */
#ifndef METALEAK_METASPACE_H
#define METALEAK_METASPACE_H

#include <jni.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the last measurement left for the report. */
struct ml_metaspace_facts {
    const char *source;          /* where per-loader bytes come from, or why not; NULL: unsaid */
    int64_t hidden_class_bytes;  /* non-strong hidden-class CLDs, -1 unmeasured */
    int64_t reserved_bytes;      /* Metaspace reserved, -1 unmeasured */
};

/* Fills metaspace_bytes of every loader, joined exactly by loader address, when a report needs
 * it: asked for (a request, a Metaspace OOM), a leaked loader to weigh, or the measurement was
 * prepared (Metaspace under pressure); for periodic reports at most every 10 minutes. Neither
 * asked for nor at exit, it is skipped when its longer VM operation is predicted to stop the
 * JVM longer than max_pause. The platform MBean server is created only when it runs. Takes the
 * registry lock. */
void ml_metaspace_measure_if_due(JNIEnv *jni, bool periodic, bool asked, bool at_exit);

/* Readies the measurement for a moment when no class can be loaded (a Metaspace OOM): creates
 * the MBean server and runs one cheap DiagnosticCommand through the same invoke path, without
 * the per-loader measurement and its second safepoint. */
void ml_metaspace_prepare(JNIEnv *jni);
/* Prepares the measurement once Metaspace is under pressure (half of its limit committed, or
 * filling fast enough to reach the limit within 10 s), while classes can still be loaded, so
 * that the report at a Metaspace OOM has it. */
void ml_metaspace_prepare_if_under_pressure(JNIEnv *jni);
/* True once the measurement was prepared (or tried). */
bool ml_metaspace_prepared(void);

void ml_metaspace_facts(struct ml_metaspace_facts *out);

/* The objects this module holds with JNI global references (at most cap into out): a path
 * search ignores JNI global roots to them. Returns how many. */
size_t ml_metaspace_own_globals(jobject *out, size_t cap);

#endif
