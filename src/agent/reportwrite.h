/* Writing a report: gathers what the JVM says, renders the registry, replaces the report file
 * atomically. Worker thread only. */
#ifndef METALEAK_REPORTWRITE_H
#define METALEAK_REPORTWRITE_H

#include <jni.h>
#include <jvmti.h>

/* Renders and writes a report now. Returns ML_OK, or the error (said once per kind). */
int ml_reportwrite(JNIEnv *jni, const char *trigger);
/* Reads Flink's configuration when this JVM runs a Flink entry point. */
void ml_reportwrite_flink_init(jvmtiEnv *jvmti);

#endif
