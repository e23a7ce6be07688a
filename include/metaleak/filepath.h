/* File paths of the report file: the template (%p = pid, %t = JVM start time in UTC,
 * YYYY-MM-DD_HH-MM-SS, %% = %), its directory, and whether that is writable. (Reference paths,
 * the chains that keep a leaked loader alive, are struct ml_path in cause.h.) Pure module. */
#ifndef METALEAK_FILEPATH_H
#define METALEAK_FILEPATH_H

#include <stddef.h>
#include <time.h>
#include <sys/types.h>

/* Expands tmpl into out (outlen bytes). Any other %-sequence, a trailing %, or a result that
 * does not fit is ML_ERR_CONFIG with a message naming the template. */
int ml_filepath_expand(const char *tmpl, pid_t pid, time_t start_time, char *out, size_t outlen,
                   char *err, size_t errlen);

/* Checks that the directory of path exists and is writable by this process.
 * ML_ERR_CONFIG with "report: directory '...' does not exist|is not a directory|is not
 * writable (report=...)" otherwise. */
int ml_filepath_check_dir(const char *path, char *err, size_t errlen);

/* Writes the directory part of path ("." when it has none) into out. Returns ML_ERR_FULL if it
 * does not fit. */
int ml_filepath_dirname(const char *path, char *out, size_t outlen);

#endif
