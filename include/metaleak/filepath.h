/* File paths of the report file (and the metrics file): the template (%p = pid, %t = JVM start
 * time in UTC, YYYY-MM-DD_HH-MM-SS, %h = host name, %% = %), its directory, and whether that is
 * writable. (Reference paths,
 * the chains that keep a leaked loader alive, are struct ml_path in cause.h.) Pure module. */
#ifndef METALEAK_FILEPATH_H
#define METALEAK_FILEPATH_H

#include <stddef.h>
#include <time.h>
#include <sys/types.h>

/* Expands tmpl into out (outlen bytes). host is the host name for %h (on Kubernetes the pod
 * name); any character of it other than letters, digits, '.', '_' and '-' becomes '_', and an
 * empty or NULL host becomes "unknown-host". Any other %-sequence, a trailing %, or a result
 * that does not fit is ML_ERR_CONFIG with a message naming the template. `key` names the
 * option in messages ("report", "metrics"). */
int ml_filepath_expand_for(const char *key, const char *tmpl, pid_t pid, time_t start_time,
                           const char *host, char *out, size_t outlen, char *err, size_t errlen);

/* ml_filepath_expand_for("report", ...) with this machine's host name. */
int ml_filepath_expand(const char *tmpl, pid_t pid, time_t start_time, char *out, size_t outlen,
                       char *err, size_t errlen);

/* The host name for %h (gethostname), sanitized as above, into out. Cannot fail. */
void ml_filepath_host(char *out, size_t outlen);

/* Checks that the directory of path exists and is writable by this process.
 * ML_ERR_CONFIG with "KEY: directory '...' does not exist|is not a directory|is not
 * writable (KEY=...)" otherwise. */
int ml_filepath_check_dir_for(const char *key, const char *path, char *err, size_t errlen);

/* ml_filepath_check_dir_for("report", ...). */
int ml_filepath_check_dir(const char *path, char *err, size_t errlen);

/* Writes the directory part of path ("." when it has none) into out. Returns ML_ERR_FULL if it
 * does not fit. */
int ml_filepath_dirname(const char *path, char *out, size_t outlen);

#endif
