/* CMocka tests of src/core/flink.c: loader roles from signature chains (both package names, user
 * subclasses, look-alikes), the wrapper predicate, role and order names, and job ids from
 * blob-cache URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/flink.h"
#include "testutil.h"

#define UTIL "Lorg/apache/flink/util/"
#define LIBCACHE "Lorg/apache/flink/runtime/execution/librarycache/"
#define CORE_CL "Lorg/apache/flink/core/classloading/"
#define URLCL "Ljava/net/URLClassLoader;"
#define SECURECL "Ljava/security/SecureClassLoader;"
#define CL "Ljava/lang/ClassLoader;"
#define WRAPPER "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader"
#define MAX_CHAIN 8

static const struct {
    const char *what;
    const char *chain[MAX_CHAIN];   /* most derived first, NULL-terminated */
    enum ml_role role;
    enum ml_order order;
} ROLES[] = {
    {"ChildFirstClassLoader (1.16+)",
     {UTIL "ChildFirstClassLoader;", UTIL "FlinkUserCodeClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {"ChildFirstClassLoader (<= 1.15)",
     {LIBCACHE "ChildFirstClassLoader;", UTIL "FlinkUserCodeClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {"ChildFirstClassLoader (<= 1.15, old base)",
     {LIBCACHE "ChildFirstClassLoader;", LIBCACHE "FlinkUserCodeClassLoader;", URLCL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {"ParentFirstClassLoader (1.16+)",
     {UTIL "FlinkUserCodeClassLoaders$ParentFirstClassLoader;", UTIL "FlinkUserCodeClassLoader;",
      URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_PARENT_FIRST},
    {"ParentFirstClassLoader (<= 1.15)",
     {LIBCACHE "FlinkUserCodeClassLoaders$ParentFirstClassLoader;",
      LIBCACHE "FlinkUserCodeClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_PARENT_FIRST},
    {"SafetyNet wrapper (1.16+)",
     {UTIL "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_WRAPPER, ML_ORDER_NONE},
    {"SafetyNet wrapper (<= 1.15)",
     {LIBCACHE "FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_WRAPPER, ML_ORDER_NONE},
    {"user subclass of ChildFirstClassLoader",
     {"Lcom/acme/MyLoader;", UTIL "ChildFirstClassLoader;", UTIL "FlinkUserCodeClassLoader;",
      URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_CHILD_FIRST},
    {"user subclass of ParentFirstClassLoader, two levels",
     {"Lcom/acme/B;", "Lcom/acme/A;", UTIL "FlinkUserCodeClassLoaders$ParentFirstClassLoader;",
      UTIL "FlinkUserCodeClassLoader;", URLCL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_PARENT_FIRST},
    {"user subclass of FlinkUserCodeClassLoader",
     {"Lcom/acme/Loader;", UTIL "FlinkUserCodeClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_NONE},
    {"user subclass of the old FlinkUserCodeClassLoader",
     {"Lcom/acme/Loader;", LIBCACHE "FlinkUserCodeClassLoader;", URLCL, CL},
     ML_ROLE_USER_CODE, ML_ORDER_NONE},
    {"plugin loader",
     {"Lorg/apache/flink/core/plugin/PluginLoader$PluginClassLoader;",
      CORE_CL "ComponentClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_PLUGIN, ML_ORDER_NONE},
    {"table planner",
     {"Lorg/apache/flink/table/planner/loader/PlannerModule$PlannerComponentClassLoader;",
      CORE_CL "ComponentClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_TABLE_PLANNER, ML_ORDER_NONE},
    {"submodule (RPC)",
     {CORE_CL "SubmoduleClassLoader;", CORE_CL "ComponentClassLoader;", URLCL, SECURECL, CL},
     ML_ROLE_SUBMODULE, ML_ORDER_NONE},
    {"component",
     {CORE_CL "ComponentClassLoader;", URLCL, SECURECL, CL}, ML_ROLE_COMPONENT, ML_ORDER_NONE},
    {"user subclass of ComponentClassLoader",
     {"Lcom/acme/Component;", CORE_CL "ComponentClassLoader;", URLCL, CL}, ML_ROLE_COMPONENT,
     ML_ORDER_NONE},
    /* not Flink's */
    {"URLClassLoader", {URLCL, SECURECL, CL}, ML_ROLE_NONE, ML_ORDER_NONE},
    {"application loader",
     {"Ljdk/internal/loader/ClassLoaders$AppClassLoader;",
      "Ljdk/internal/loader/BuiltinClassLoader;", SECURECL, CL},
     ML_ROLE_NONE, ML_ORDER_NONE},
    {"reflection loader",
     {"Ljdk/internal/reflect/DelegatingClassLoader;", CL}, ML_ROLE_NONE, ML_ORDER_NONE},
    {"other Flink class",
     {"Lorg/apache/flink/runtime/rpc/SomeLoader;", URLCL, CL}, ML_ROLE_NONE, ML_ORDER_NONE},
    {"shaded look-alike",
     {"Lorg/apache/flink/shaded/util/ChildFirstClassLoader;", URLCL, CL}, ML_ROLE_NONE,
     ML_ORDER_NONE},
    {"relocated look-alike",
     {"Lcom/acme/shaded/org/apache/flink/util/ChildFirstClassLoader;", URLCL, CL}, ML_ROLE_NONE,
     ML_ORDER_NONE},
    {"missing ';'", {"Lorg/apache/flink/util/ChildFirstClassLoader", URLCL, CL}, ML_ROLE_NONE,
     ML_ORDER_NONE},
    {"suffix", {"Lorg/apache/flink/util/ChildFirstClassLoader;X", URLCL, CL}, ML_ROLE_NONE,
     ML_ORDER_NONE},
    {"Java name, not a signature", {"org.apache.flink.util.ChildFirstClassLoader", CL},
     ML_ROLE_NONE, ML_ORDER_NONE},
    {"empty chain", {NULL}, ML_ROLE_NONE, ML_ORDER_NONE},
};

static void test_role_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(ROLES) / sizeof(ROLES[0]); i++) {
        size_t n = 0;
        enum ml_order order = (enum ml_order)77;   /* must be overwritten */
        enum ml_role role;

        while (n < MAX_CHAIN && ROLES[i].chain[n] != NULL)
            n++;
        role = ml_flink_role(ROLES[i].chain, n, &order);
        if (role != ROLES[i].role || order != ROLES[i].order)
            TU_ROW_FAIL(failures, "%s: role %d order %d, want role %d order %d", ROLES[i].what,
                        (int)role, (int)order, (int)ROLES[i].role, (int)ROLES[i].order);
    }
    assert_int_equal(failures, 0);
}

/* Only the first n entries count; entries may be NULL (a signature that could not be read). */
static void test_role_chain_bounds(void **state)
{
    const char *chain[] = {"Lcom/acme/MyLoader;", NULL, UTIL "ChildFirstClassLoader;", URLCL};
    enum ml_order order = ML_ORDER_PARENT_FIRST;

    (void)state;
    assert_int_equal(ml_flink_role(chain, 2, &order), ML_ROLE_NONE);
    assert_int_equal(order, ML_ORDER_NONE);
    assert_int_equal(ml_flink_role(chain, 4, &order), ML_ROLE_USER_CODE);
    assert_int_equal(order, ML_ORDER_CHILD_FIRST);
    assert_int_equal(ml_flink_role(chain, 0, &order), ML_ROLE_NONE);
    assert_int_equal(order, ML_ORDER_NONE);
}

static void test_is_wrapper_sig(void **state)
{
    (void)state;
    assert_true(ml_flink_is_wrapper_sig(UTIL WRAPPER ";"));
    assert_true(ml_flink_is_wrapper_sig(LIBCACHE WRAPPER ";"));
    assert_false(ml_flink_is_wrapper_sig(UTIL "ChildFirstClassLoader;"));
    assert_false(ml_flink_is_wrapper_sig(UTIL "FlinkUserCodeClassLoaders;"));
    assert_false(ml_flink_is_wrapper_sig(UTIL WRAPPER));
    assert_false(ml_flink_is_wrapper_sig("Lcom/acme/" WRAPPER ";"));
    assert_false(ml_flink_is_wrapper_sig(URLCL));
    assert_false(ml_flink_is_wrapper_sig(""));
    assert_false(ml_flink_is_wrapper_sig(NULL));
}

static void test_names(void **state)
{
    (void)state;
    assert_null(ml_role_name(ML_ROLE_NONE));
    assert_string_equal(ml_role_name(ML_ROLE_USER_CODE), "user-code");
    assert_string_equal(ml_role_name(ML_ROLE_WRAPPER), "safety-net-wrapper");
    assert_string_equal(ml_role_name(ML_ROLE_PLUGIN), "plugin");
    assert_string_equal(ml_role_name(ML_ROLE_SUBMODULE), "submodule");
    assert_string_equal(ml_role_name(ML_ROLE_TABLE_PLANNER), "table-planner");
    assert_string_equal(ml_role_name(ML_ROLE_COMPONENT), "component");
    assert_null(ml_order_name(ML_ORDER_NONE));
    assert_string_equal(ml_order_name(ML_ORDER_CHILD_FIRST), "child-first");
    assert_string_equal(ml_order_name(ML_ORDER_PARENT_FIRST), "parent-first");
}

#define HEX32 "0123456789abcdef0123456789abcdef"
#define HEX32B "fedcba9876543210fedcba9876543210"

static const struct {
    const char *what;
    const char *url;
    const char *job;   /* NULL: none */
} JOBS[] = {
    {"blob URL", "file:/tmp/blobStore-1a2b/job_" HEX32 "/blob_p-0a1b2c3d4e-5f6a7b", HEX32},
    {"blob URL, other root", "file:/opt/flink/blob/incoming/job_" HEX32B "/blob_t-1", HEX32B},
    {"upper-case hex", "file:/tmp/blobStore/job_0123456789ABCDEF0123456789abcdef/blob_p-1", NULL},
    {"31 hex digits", "file:/tmp/blobStore/job_0123456789abcdef0123456789abcde/blob_p-1", NULL},
    {"33 hex digits", "file:/tmp/blobStore/job_" HEX32 "0/blob_p-1", NULL},
    {"not hex", "file:/tmp/blobStore/job_0123456789abcdef0123456789abcdeg/blob_p-1", NULL},
    {"missing /blob_", "file:/tmp/blobStore/job_" HEX32 "/lib.jar", NULL},
    {"ends after the id", "file:/tmp/blobStore/job_" HEX32, NULL},
    {"blob_ without slash", "file:/tmp/blobStore/job_" HEX32 "blob_p-1", NULL},
    {"job_ without slash", "file:job_" HEX32 "/blob_p-1", NULL},
    {"no job at all", "file:/opt/flink/lib/flink-dist.jar", NULL},
    {"empty", "", NULL},
    {"two candidates, first invalid",
     "file:/tmp/job_" HEX32 "/x/job_" HEX32B "/blob_p-1", HEX32B},
    {"two candidates, both valid", "file:/a/job_" HEX32 "/blob_p-1/job_" HEX32B "/blob_p-2",
     HEX32},
    {"candidate inside a candidate", "file:/tmp/job_/job_" HEX32 "/blob_p-1", HEX32},
};

static void test_job_id_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(JOBS) / sizeof(JOBS[0]); i++) {
        char out[33];
        bool found;

        memset(out, 'X', sizeof(out));
        found = ml_flink_job_id(JOBS[i].url, out);
        if (found != (JOBS[i].job != NULL))
            TU_ROW_FAIL(failures, "%s: found=%d", JOBS[i].what, found);
        else if (found && (memchr(out, '\0', sizeof(out)) == NULL || strcmp(out, JOBS[i].job) != 0))
            TU_ROW_FAIL(failures, "%s: '%.33s', want '%s'", JOBS[i].what, out, JOBS[i].job);
        else if (!found && out[0] != '\0')
            TU_ROW_FAIL(failures, "%s: out not emptied", JOBS[i].what);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_table),
        cmocka_unit_test(test_role_chain_bounds),
        cmocka_unit_test(test_is_wrapper_sig),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_job_id_table),
    };

    return cmocka_run_group_tests_name("flink", tests, NULL, NULL);
}
