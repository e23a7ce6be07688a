/* libFuzzer target: the known-leaks catalogue loader (data/known-leaks.yaml's reader, run by
 * knowngen at build time), then matching what it accepts against a few recorded path shapes;
 * and the catalogue's globs on arbitrary text (the agent matches them against class, field and
 * thread names from the JVM). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"
#include "metaleak/known.h"
#include "metaleak/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP(r, o, c, f, t, own, hk) \
    {.ref = (r), .object = (o), .class_name = (char *)(c), .field = (char *)(f), \
     .thread = (char *)(t), .index = -1, .loader_id = UINT64_MAX, .owned = (own), .hook = (hk)}

/* A thread's context class loader; a static map's entry; a registered shutdown hook. */
static struct ml_step thread_path[] = {
    STEP(ML_REF_ROOT_THREAD, ML_OBJ_THREAD, "java.lang.Thread", NULL, "worker-7", false, false),
    STEP(ML_REF_FIELD, ML_OBJ_LOADER, "job.Loader", "contextClassLoader", NULL, true, false),
};
static struct ml_step static_path[] = {
    STEP(ML_REF_ROOT_SYSTEM_CLASS, ML_OBJ_CLASS, "com.sun.jmx.mbeanserver.Repository", NULL,
         NULL, false, false),
    STEP(ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "java.util.HashMap", "domainTb", NULL, false,
         false),
    STEP(ML_REF_FIELD, ML_OBJ_INSTANCE, "java.util.HashMap$Node[]", "table", NULL, false, false),
    STEP(ML_REF_ARRAY_ELEMENT, ML_OBJ_INSTANCE, "com.sun.jmx.mbeanserver.NamedObject", NULL,
         NULL, false, false),
    STEP(ML_REF_FIELD, ML_OBJ_INSTANCE, "shaded.org.apache.kafka.common.utils.AppInfoParser$AppInfo",
         "object", NULL, true, false),
};
static struct ml_step hook_path[] = {
    STEP(ML_REF_ROOT_SYSTEM_CLASS, ML_OBJ_CLASS, "java.lang.ApplicationShutdownHooks", NULL,
         NULL, false, false),
    STEP(ML_REF_STATIC_FIELD, ML_OBJ_INSTANCE, "java.util.IdentityHashMap", "hooks", NULL, false,
         false),
    STEP(ML_REF_ARRAY_ELEMENT, ML_OBJ_THREAD, "org.apache.hadoop.util.ShutdownHookManager$1",
         NULL, "Thread-3", true, true),
};

static const struct ml_path PATHS[] = {
    {.steps = thread_path, .n_steps = 2},
    {.steps = static_path, .n_steps = 5},
    {.steps = hook_path, .n_steps = 3},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ml_known_loaded *k = NULL;
    char err[ML_ERRBUF] = "";
    char *text, *nl;
    int rc = ml_known_load((const char *)data, size, "fuzz.yaml", &k, err, sizeof(err));

    if (rc == ML_OK) {
        const struct ml_known_catalogue *cat = ml_known_loaded_catalogue(k);

        for (size_t i = 0; i < sizeof(PATHS) / sizeof(PATHS[0]); i++) {
            char sig[ML_SIGNATURE_LEN + 1];
            const struct ml_known_entry *e = ml_known_match(cat, &PATHS[i]);

            if (e != NULL && ml_known_find(cat, e->id) != e)
                abort(); /* ids are unique: the match is the entry of its id */
            if (!ml_path_signature(&PATHS[i], sig))
                abort();
        }
    } else if (k != NULL || strncmp(err, "fuzz.yaml", 9) != 0) {
        abort(); /* every refusal names the file (and its line and column) */
    }
    ml_known_free(k);

    /* The globs: pattern, a newline, then the text. */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    nl = strchr(text, '\n');
    if (nl != NULL) {
        *nl = '\0';
        if (ml_known_glob(text, nl + 1) && strchr(text, '*') == NULL &&
            strcmp(text, nl + 1) != 0)
            abort(); /* without a star, a glob matches only itself */
        (void)ml_known_class_matches(text, nl + 1);
    }
    free(text);
    return 0;
}
