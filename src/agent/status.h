/* What operators watch, after each round of the worker: the status snapshot (metrics.h), the
 * alert lines it calls for (alert.h: a loader proven leaked, a Metaspace verdict change, an
 * OutOfMemoryError), the metrics file (metrics=FILE) and the MBean (mbean.h). Worker thread
 * only. */
#ifndef METALEAK_STATUS_H
#define METALEAK_STATUS_H

#include <jni.h>
#include <stdbool.h>

/* Called at the end of every round. Does its work when a report was written since the last
 * call, at most every 5 s otherwise, and always when `last` (the worker ends: held alerts are
 * said, the metrics file and the MBean get the final values). */
void ml_status_round(JNIEnv *jni, bool last);

#endif
