/* Flink class loader roles, recognised from JVM class signatures (no Flink class is loaded
 * for the check), and job ids from blob-cache jar URLs or a task's JobID fields. Pure module. */
#ifndef METALEAK_FLINK_H
#define METALEAK_FLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ml_role {
    ML_ROLE_NONE = 0,
    ML_ROLE_USER_CODE,      /* org.apache.flink.util.FlinkUserCodeClassLoader subclasses */
    ML_ROLE_WRAPPER,        /* FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader */
    ML_ROLE_PLUGIN,         /* org.apache.flink.core.plugin.PluginLoader$PluginClassLoader */
    ML_ROLE_SUBMODULE,      /* org.apache.flink.core.classloading.SubmoduleClassLoader (RPC) */
    ML_ROLE_TABLE_PLANNER,  /* PlannerModule$PlannerComponentClassLoader */
    ML_ROLE_COMPONENT,      /* any other org.apache.flink.core.classloading.ComponentClassLoader */
};

enum ml_order { ML_ORDER_NONE = 0, ML_ORDER_CHILD_FIRST, ML_ORDER_PARENT_FIRST };

/* Classifies a loader from the JVM signatures of its class and superclasses, most derived
 * first ("Lorg/apache/flink/util/ChildFirstClassLoader;", ..., "Ljava/lang/ClassLoader;").
 * Both package names used across Flink releases are recognised. *order receives the resolve
 * order of user-code loaders (ML_ORDER_NONE otherwise). Cannot fail. */
enum ml_role ml_flink_role(const char *const *chain, size_t n, enum ml_order *order);

/* Extracts the 32-hex job id from a blob-cache URL (".../job_<32 hex>/blob_p-..."). Writes it
 * NUL-terminated into out and returns true, or returns false when the URL has none. */
bool ml_flink_job_id(const char *url, char out[33]);

/* Formats a Flink JobID from its two fields (org.apache.flink.util.AbstractID: long lowerPart,
 * long upperPart) as JobID.toString() does and the REST API and blob paths show it: 16 hex
 * digits of lowerPart, then 16 of upperPart, lower case, NUL-terminated in out. */
void ml_flink_job_id_of_parts(int64_t lower, int64_t upper, char out[33]);

/* True when sig is Flink's task (org.apache.flink.runtime.taskmanager.Task, the Runnable of a
 * task thread, which holds its JobID in the field jobId). */
bool ml_flink_is_task_sig(const char *sig);

/* True when sig is the SafetyNet wrapper class (either package). */
bool ml_flink_is_wrapper_sig(const char *sig);

/* "user-code", "safety-net-wrapper", "plugin", "submodule", "table-planner", "component",
 * or NULL for ML_ROLE_NONE. */
const char *ml_role_name(enum ml_role role);

/* "child-first", "parent-first", or NULL. */
const char *ml_order_name(enum ml_order order);

#endif
