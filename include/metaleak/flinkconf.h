/* The Flink settings that matter for class loading and Metaspace, read from the cluster's real
 * configuration: flink-conf.yaml (1.x, flat keys) or config.yaml (2.x, standard YAML, nested
 * keys allowed), then the dynamic properties on the process's command line (`-D k=v`, as
 * taskmanager.sh passes them), which override the file. Pure module (libyaml). */
#ifndef METALEAK_FLINKCONF_H
#define METALEAK_FLINKCONF_H

#include <stdbool.h>
#include <stddef.h>

enum ml_flink_key {
    ML_FK_METASPACE_SIZE = 0,     /* taskmanager.memory.jvm-metaspace.size */
    ML_FK_RESOLVE_ORDER,          /* classloader.resolve-order */
    ML_FK_PARENT_FIRST_DEFAULT,   /* classloader.parent-first-patterns.default */
    ML_FK_PARENT_FIRST_ADDITIONAL,/* classloader.parent-first-patterns.additional */
    ML_FK_CHECK_LEAKED,           /* classloader.check-leaked-classloader */
    ML_FK_FAIL_ON_METASPACE_OOM,  /* classloader.fail-on-metaspace-oom-error */
    ML_FK_COUNT
};

struct ml_flink_conf {
    char file[4096];              /* the file read, "" when none */
    char error[4608];             /* why the file could not be used, "" when fine */
    char *values[ML_FK_COUNT];    /* owned; NULL when not set (Flink's default applies) */
};

/* The configuration key of k. */
const char *ml_flink_key_name(enum ml_flink_key k);

/* Finds the configuration directory: FLINK_CONF_DIR when set, else the value after
 * `--configDir` / `-c` in the command line. Writes it to out and returns true, or false. */
bool ml_flink_conf_dir(const char *env_conf_dir, const char *command_line, char *out,
                       size_t outlen);

/* Reads <dir>/flink-conf.yaml, or <dir>/config.yaml when the former does not exist, then
 * applies `-D key=value` / `-Dkey=value` from command_line (may be NULL). Errors are kept in
 * conf->error, never fatal. Lists (2.x) are joined with ';'. The caller releases conf with
 * ml_flink_conf_release. */
void ml_flink_conf_load(const char *dir, const char *command_line, struct ml_flink_conf *conf);

/* The same from a YAML buffer (no file): for tests. */
void ml_flink_conf_parse(const char *name, const char *yaml, size_t len, struct ml_flink_conf *conf);

/* Applies dynamic properties from a command line. */
void ml_flink_conf_apply_dynamic(const char *command_line, struct ml_flink_conf *conf);

void ml_flink_conf_release(struct ml_flink_conf *conf);

#endif
