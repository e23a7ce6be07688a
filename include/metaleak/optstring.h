/* The agent options string given with -agentpath:...=k=v,k=v (or at attach), with config=FILE
 * for a YAML file. Pure module. */
#ifndef METALEAK_OPTSTRING_H
#define METALEAK_OPTSTRING_H

#include <stddef.h>

#include "metaleak/options.h"

/* Parses a whole agent options string (may be NULL or empty). When it contains config=FILE,
 * the file is loaded first (config.h) and the inline keys then override it. A key given
 * twice inline is an error. Returns ML_OK or ML_ERR_CONFIG/ML_ERR_IO with one line in err. */
int ml_optstring_parse(const char *optstr, struct ml_options *opts, char *err, size_t errlen);

#endif
