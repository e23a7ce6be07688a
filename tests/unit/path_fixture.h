/* Reference paths recorded by the agent (the "path" of a report's leaks), read back into
 * struct ml_path for the tests of the modules that read paths (signature, known). The fixtures
 * are tests/knownleaks/paths/<scenario>.<jdk>.json, written by tests/knownleaks/known_test.py
 * --record. */
#ifndef METALEAK_PATH_FIXTURE_H
#define METALEAK_PATH_FIXTURE_H

#include <stddef.h>

#include "metaleak/cause.h"

/* One recorded leak. */
struct pf_leak {
    struct ml_path path;
    char *cause;               /* the agent's cause, NULL when none */
};

/* Every leak of the fixture file (a name in the fixture directory, e.g.
 * "kafka-producer.java-17-openjdk-amd64.json"). Fails the test when the file cannot be read.
 * Free with pf_free. */
struct pf_leak *pf_load(const char *file, size_t *n);
void pf_free(struct pf_leak *leaks, size_t n);

/* The fixture files of the directory, sorted, NULL-terminated; free with pf_free_names. */
char **pf_list(void);
void pf_free_names(char **names);

/* A path from a report's "path" array (JSON text), for hand-written cases. */
void pf_path_from_json(const char *json, struct ml_path *out);

#endif
