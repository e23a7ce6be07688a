/* The class scan before a report: shadowed classes, lambdas and proxies per loader, suspect
 * loaders (inventory.h). Worker thread only. */
#ifndef METALEAK_CLASSSCAN_H
#define METALEAK_CLASSSCAN_H

#include <jni.h>

/* Feeds every loaded class to the inventory when classes or loaders changed since the last
 * scan, and marks suspect loaders. Returns ML_OK, ML_ERR_NOMEM or ML_ERR_JVM (the report is
 * written anyway). */
int ml_classscan_run(JNIEnv *jni);

#endif
