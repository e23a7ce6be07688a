/* Agent options: the one key set that the `-agentpath:...=k=v,k=v` string (optstring.h) and
 * the YAML file (config.h) share. Pure module: no JNI/JVMTI, unit-tested without a JVM. */
#ifndef METALEAK_OPTIONS_H
#define METALEAK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "metaleak/log.h"

#define ML_FILEPATH_MAX 4096

/* mbean=: when the agent registers io.metaleak:type=Agent in the platform MBean server. */
enum ml_mbean_mode {
    ML_MBEAN_AUTO = 0,         /* once the platform MBean server exists (someone else made it) */
    ML_MBEAN_ON,               /* at start, creating the platform MBean server if need be */
    ML_MBEAN_OFF,              /* never */
};

struct ml_options {
    char config[ML_FILEPATH_MAX];  /* YAML file given with config=, "" when none */
    char report[ML_FILEPATH_MAX];  /* report path template (%p, %t, %h, %%); "" = default location */
    unsigned interval_s;       /* seconds between periodic reports, 0 = off; 0..86400 */
    unsigned leak_gcs;         /* full collections a closed loader must survive; 1..1000 */
    bool verify_on_exit;       /* force collections before the exit report */
    enum ml_log_level log;
    unsigned max_loaders;      /* loaders tracked at once; 16..10000000 */
    unsigned history;          /* unloaded loaders kept in reports; 0..1000000 */
    bool paths;                /* paths=auto: reference-path searches; false for paths=off */
    unsigned path_budget_ms;   /* time bound of one search (all its heap walks); 10..600000 */
    unsigned max_pause_ms;     /* longest heap-walk pause of an automatic search; 0 = none
                                * automatic (every search waits for a request or the exit);
                                * 0..600000 */
    unsigned exit_budget_ms;   /* everything the agent does at JVM exit; 1000..3600000 */
    unsigned path_proof_after_s; /* a closed, unproven loader gets a search after this; 0 = never */
    unsigned suspect_after_s;  /* idle seconds before a superseded live loader is suspect; 0 = off */
    enum ml_mbean_mode mbean;  /* the io.metaleak:type=Agent MBean */
    char metrics[ML_FILEPATH_MAX]; /* Prometheus text file template (%p, %t, %h, %%); "" = none */
};

/* Sets every field to its documented default. Cannot fail. */
void ml_options_defaults(struct ml_options *opts);

/* Applies one key=value. `where` names the origin for messages ("agent options" or
 * "FILE:LINE:COL"). Returns ML_OK, or ML_ERR_CONFIG with one line in err (errlen bytes). */
int ml_options_set(struct ml_options *opts, const char *key, const char *value,
                   const char *where, char *err, size_t errlen);

/* True when key is an option key. */
bool ml_options_is_key(const char *key);

/* Name of a log level ("quiet", "error", "warn", "info", "debug"). */
const char *ml_log_level_name(enum ml_log_level level);

/* "auto", "on", "off". */
const char *ml_mbean_mode_name(enum ml_mbean_mode mode);

/* Comma-separated list of every known key, for messages and docs. */
const char *ml_options_known_keys(void);

#endif
