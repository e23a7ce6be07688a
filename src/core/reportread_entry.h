/* Reading one entry of a report's leaks[] (with its reference path and the known leak it
 * matches) or loaders[] into the CLI's structures, every field checked for its type and range.
 * Private to the core: reportread.c walks the arrays. */
#ifndef METALEAK_REPORTREAD_ENTRY_H
#define METALEAK_REPORTREAD_ENTRY_H

#include <stddef.h>

#include "jsonget.h"
#include "metaleak/reportdata.h"

/* Reads leaks[idx] (o) into l, which must be zeroed. Returns ML_OK or ML_ERR_CONFIG with one
 * message in c. What l owns (urls, steps, known) is freed by ml_rfile_release, also after an
 * error; class_name is "?" when the report has none. */
int ml_rread_leak(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rleak *l);

/* Reads loaders[idx] (o) into l, which must be zeroed; l owns nothing. The same results. */
int ml_rread_loader(struct ml_jget *c, const cJSON *o, size_t idx, struct ml_rloader *l);

#endif
