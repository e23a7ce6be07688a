/* Flink loader roles from class signatures, and job ids from blob-cache URLs or a task's JobID.
 * The two package prefixes cover Flink up to 1.15 (flink-runtime's librarycache) and 1.16+ /
 * 2.x (flink-core). */
#include "metaleak/flink.h"

#include <string.h>

#define UTIL "Lorg/apache/flink/util/"
#define LIBCACHE "Lorg/apache/flink/runtime/execution/librarycache/"
#define CORE_CL "Lorg/apache/flink/core/classloading/"

struct sig_role {
    const char *sig;
    enum ml_role role;
    enum ml_order order;
};

/* Most specific first: the first match walking up from the loader's own class wins. */
static const struct sig_role SIGS[] = {
    {UTIL "ChildFirstClassLoader;", ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {LIBCACHE "ChildFirstClassLoader;", ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {UTIL "FlinkUserCodeClassLoaders$ParentFirstClassLoader;", ML_ROLE_USER_CODE,
     ML_ORDER_PARENT_FIRST},
    {LIBCACHE "FlinkUserCodeClassLoaders$ParentFirstClassLoader;", ML_ROLE_USER_CODE,
     ML_ORDER_PARENT_FIRST},
    {UTIL "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;", ML_ROLE_WRAPPER,
     ML_ORDER_NONE},
    {LIBCACHE "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;", ML_ROLE_WRAPPER,
     ML_ORDER_NONE},
    {UTIL "FlinkUserCodeClassLoader;", ML_ROLE_USER_CODE, ML_ORDER_NONE},
    {LIBCACHE "FlinkUserCodeClassLoader;", ML_ROLE_USER_CODE, ML_ORDER_NONE},
    {"Lorg/apache/flink/core/plugin/PluginLoader$PluginClassLoader;", ML_ROLE_PLUGIN,
     ML_ORDER_NONE},
    {"Lorg/apache/flink/table/planner/loader/PlannerModule$PlannerComponentClassLoader;",
     ML_ROLE_TABLE_PLANNER, ML_ORDER_NONE},
    {CORE_CL "SubmoduleClassLoader;", ML_ROLE_SUBMODULE, ML_ORDER_NONE},
    {CORE_CL "ComponentClassLoader;", ML_ROLE_COMPONENT, ML_ORDER_NONE},
};

#define N_SIGS (sizeof(SIGS) / sizeof(SIGS[0]))

static const struct sig_role *match(const char *sig)
{
    if (sig == NULL || strncmp(sig, "Lorg/apache/flink/", 18) != 0)
        return NULL;
    for (size_t i = 0; i < N_SIGS; i++) {
        if (strcmp(SIGS[i].sig, sig) == 0)
            return &SIGS[i];
    }
    return NULL;
}

enum ml_role ml_flink_role(const char *const *chain, size_t n, enum ml_order *order)
{
    *order = ML_ORDER_NONE;
    for (size_t i = 0; i < n; i++) {
        const struct sig_role *m = match(chain[i]);

        if (m == NULL)
            continue;
        /* A user subclass of ChildFirstClassLoader keeps its resolve order. */
        *order = m->order;
        if (m->role == ML_ROLE_USER_CODE && m->order == ML_ORDER_NONE) {
            /* The abstract base: look no further, the order (if any) came from below. */
            for (size_t j = 0; j < i; j++) {
                const struct sig_role *below = match(chain[j]);

                if (below != NULL && below->order != ML_ORDER_NONE)
                    *order = below->order;
            }
        }
        return m->role;
    }
    return ML_ROLE_NONE;
}

bool ml_flink_is_wrapper_sig(const char *sig)
{
    const struct sig_role *m = match(sig);

    return m != NULL && m->role == ML_ROLE_WRAPPER;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool ml_flink_job_id(const char *url, char out[33])
{
    const char *p = url;

    while ((p = strstr(p, "/job_")) != NULL) {
        const char *h = p + 5;
        size_t i = 0;

        while (i < 32 && is_hex(h[i]))
            i++;
        if (i == 32 && strncmp(h + 32, "/blob_", 6) == 0) {
            memcpy(out, h, 32);
            out[32] = '\0';
            return true;
        }
        p = h;
    }
    out[0] = '\0';
    return false;
}

void ml_flink_job_id_of_parts(int64_t lower, int64_t upper, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    const uint64_t parts[2] = {(uint64_t)lower, (uint64_t)upper};

    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 16; i++)
            out[p * 16 + i] = hex[(parts[p] >> (60 - 4 * i)) & 0xf];
    out[32] = '\0';
}

bool ml_flink_is_task_sig(const char *sig)
{
    return sig != NULL && strcmp(sig, "Lorg/apache/flink/runtime/taskmanager/Task;") == 0;
}

const char *ml_role_name(enum ml_role role)
{
    switch (role) {
    case ML_ROLE_USER_CODE:
        return "user-code";
    case ML_ROLE_WRAPPER:
        return "safety-net-wrapper";
    case ML_ROLE_PLUGIN:
        return "plugin";
    case ML_ROLE_SUBMODULE:
        return "submodule";
    case ML_ROLE_TABLE_PLANNER:
        return "table-planner";
    case ML_ROLE_COMPONENT:
        return "component";
    case ML_ROLE_NONE:
    default:
        return NULL;
    }
}

const char *ml_order_name(enum ml_order order)
{
    switch (order) {
    case ML_ORDER_CHILD_FIRST:
        return "child-first";
    case ML_ORDER_PARENT_FIRST:
        return "parent-first";
    case ML_ORDER_NONE:
    default:
        return NULL;
    }
}
