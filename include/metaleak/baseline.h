/* CI baselines: a YAML file that lists leaks a team has accepted, so that `metaleak check`
 * gates on new leaks only.
 *
 *   accepted:
 *     - cause: jdbc-driver                       # the leak's cause (explanation issue)
 *     - loader_class: com.example.PluginLoader   # the leaked loader's class, exact
 *     - jar: "*mysql-connector-*.jar"            # fnmatch pattern against any of its URLs
 *       reason: tracked in JIRA-123              # free text, ignored
 *     - known: kafka-client-not-closed           # a known library leak (docs/known-leaks.md)
 *     - signature: 3f2a9c0d1e4b5a67              # one leak, by its signature (16 hex digits)
 *
 * An entry with several keys matches when all of them match. A `known` id must be one of the
 * catalogue compiled into metaleak (a typo would silently accept nothing). Pure module
 * (libyaml). */
#ifndef METALEAK_BASELINE_H
#define METALEAK_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "metaleak/reportread.h"

#define ML_BASELINE_MAX 256

struct ml_baseline_entry {
    char *cause;         /* owned, NULL = any */
    char *loader_class;  /* owned, NULL = any */
    char *jar;           /* owned fnmatch pattern, NULL = any */
    char *known;         /* owned known-leak id (the catalogue's), NULL = any */
    char *signature;     /* owned, 16 lower-case hex digits, NULL = any */
};

struct ml_baseline {
    struct ml_baseline_entry entries[ML_BASELINE_MAX];
    size_t n;
};

/* Loads a baseline file. Returns ML_OK, ML_ERR_IO or ML_ERR_CONFIG with "FILE:LINE:COL: ..."
 * in err. The caller releases it with ml_baseline_release. */
int ml_baseline_load(const char *path, struct ml_baseline *bl, char *err, size_t errlen);
int ml_baseline_parse(const char *name, const char *data, size_t len, struct ml_baseline *bl,
                      char *err, size_t errlen);
void ml_baseline_release(struct ml_baseline *bl);

/* True when the leak is accepted by an entry. */
bool ml_baseline_accepts(const struct ml_baseline *bl, const struct ml_rleak *leak);

#endif
