/* Known library leaks: a catalogue of leaks of the libraries Flink jobs use (Kafka clients,
 * Hadoop, the AWS SDK, JDBC drivers, Jackson, Netty, logging bridges, Avro, ...), each with the
 * shape of its reference path, its upstream references, the version that fixed it and the
 * workaround in Flink; and the matching of a leaked loader's path against it.
 *
 * The catalogue's source is data/known-leaks.yaml. At build time tools/knowngen.c reads it with
 * ml_known_load (libyaml; a bad file fails the build with the line and column) and writes it out
 * as C initializers; ml_known_builtin() returns that table. The agent thus carries the catalogue
 * in its read-only data: no file beside the agent, no parsing and no allocation at run time.
 *
 * Matching (ml_known_match): the entries are tried in catalogue order and the first whose
 * pattern matches wins. A pattern matches a path when the path's root kind (as ml_path_view
 * reads it: a path through a registered shutdown hook has root "shutdown-hook") is one of the
 * pattern's, and its step patterns match steps of the path in order (not necessarily adjacent)
 * from the start of the durable part (ml_path_view's start) to the first owned step. A step
 * pattern lists what must hold; what it leaves out matches anything:
 *   class   the step's class: a glob ('*' any run of characters) that matches the whole name,
 *           or the name after any '.' (a relocated copy, "shaded.org.apache.kafka...", matches
 *           "org.apache.kafka..."); a list means any of them
 *   field   the field name by which the step before holds it (glob, or a list)
 *   ref     how it is held ("field", "static-field", "array-element", ...)
 *   object  "instance", "class", "loader" or "thread"
 *   thread  the thread's name (glob, or a list): a thread object, or the thread of a stack root
 *   method  the method of a stack root (glob)
 *   owned   true: the step is the first one the leaked loader owns; false: it is outside
 *   hook    true: the step is the shutdown hook (the durable part's start for that root)
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_KNOWN_H
#define METALEAK_KNOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "metaleak/cause.h"
#include "metaleak/signature.h"

enum ml_known_tri { ML_KNOWN_ANY = 0, ML_KNOWN_YES, ML_KNOWN_NO };

/* One step pattern. String lists are NULL-terminated; a NULL list matches anything. */
struct ml_known_step {
    const char *const *classes;
    const char *const *fields;
    const char *const *threads;
    const char *method;
    enum ml_ref ref;           /* ML_REF_OTHER: any (an "other" reference cannot be asked for) */
    bool any_object;           /* true: object not constrained */
    enum ml_pg_object object;
    enum ml_known_tri owned;
    enum ml_known_tri hook;
};

/* One shape of the leak. */
struct ml_known_pattern {
    unsigned roots;            /* bit (1u << enum ml_root_kind) per allowed root kind; 0 any */
    const struct ml_known_step *steps;
    size_t n_steps;
};

struct ml_known_entry {
    const char *id;            /* [a-z0-9-]+, unique */
    const char *library;       /* Maven "group:artifact" */
    const char *title;         /* one line */
    const char *const *references;   /* upstream issue ids and URLs, NULL-terminated */
    const char *fixed_in;      /* the library version that fixed it, NULL: not fixed */
    const char *advice;        /* the workaround in Flink */
    const char *const *reproduced_with;  /* "group:artifact:version" the tests use */
    const struct ml_known_pattern *match;   /* any of them */
    size_t n_match;
};

struct ml_known_catalogue {
    const struct ml_known_entry *entries;
    size_t n_entries;
};

/* The catalogue compiled into metaleak (data/known-leaks.yaml). Static; never NULL. */
const struct ml_known_catalogue *ml_known_builtin(void);

/* The first entry of cat whose pattern matches p, or NULL (no path, or no entry matches). */
const struct ml_known_entry *ml_known_match(const struct ml_known_catalogue *cat,
                                            const struct ml_path *p);

/* True when pattern pat matches p. */
bool ml_known_pattern_matches(const struct ml_known_pattern *pat, const struct ml_path *p);

/* The entry with this id, or NULL. */
const struct ml_known_entry *ml_known_find(const struct ml_known_catalogue *cat, const char *id);

/* Glob of the catalogue: '*' matches any run of characters (also none), every other character
 * itself. */
bool ml_known_glob(const char *pattern, const char *text);

/* The class glob: the whole name, or the name after any '.' of it (relocated copies). */
bool ml_known_class_matches(const char *pattern, const char *class_name);

/* ---- reading the YAML source (build tool and tests) ---- */

/* A catalogue read from YAML: cat plus the memory behind it. */
struct ml_known_loaded;

/* Reads the catalogue in text (len bytes; name is used in messages). On success stores a
 * catalogue the caller frees with ml_known_free in *out and returns ML_OK. On bad input returns
 * ML_ERR_CONFIG with one message in err ("NAME:LINE:COL: entries[3].match[0].steps[1]: unknown
 * key 'clas'"); ML_ERR_NOMEM when memory ran out. */
int ml_known_load(const char *text, size_t len, const char *name, struct ml_known_loaded **out,
                  char *err, size_t errlen);

/* The catalogue of a loaded file; valid until ml_known_free. */
const struct ml_known_catalogue *ml_known_loaded_catalogue(const struct ml_known_loaded *k);

/* Frees everything ml_known_load allocated. Accepts NULL. */
void ml_known_free(struct ml_known_loaded *k);

#endif
