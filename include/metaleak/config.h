/* YAML configuration file, read with libyaml: a flat mapping of the option keys.
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_CONFIG_H
#define METALEAK_CONFIG_H

#include <stddef.h>

#include "metaleak/options.h"

/* Loads the YAML file at path into opts through ml_options_set, so values are checked exactly
 * like inline ones; messages name FILE:LINE:COLUMN. An empty file sets nothing. Nested values,
 * duplicate keys and a `config` key are errors. Returns ML_OK, ML_ERR_IO (unreadable) or
 * ML_ERR_CONFIG, with one line in err. */
int ml_config_load(const char *path, struct ml_options *opts, char *err, size_t errlen);

/* The same from a memory buffer; `name` is used in messages in place of the path. */
int ml_config_load_buffer(const char *name, const char *data, size_t len, struct ml_options *opts,
                          char *err, size_t errlen);

#endif
