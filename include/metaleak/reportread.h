/* Reading metaleak reports for the CLI: never trusting them. A report is read whole (bounded
 * size), parsed with cJSON, and checked for the schema string and the shape of every field the
 * CLI uses, so that a truncated, foreign or hostile file gets one message naming the file and
 * the field, never a crash. */
#ifndef METALEAK_REPORTREAD_H
#define METALEAK_REPORTREAD_H

#include <stddef.h>

#include "metaleak/reportdata.h" /* struct ml_rfile and its entries */

#define ML_REPORT_MAX_BYTES (256u * 1024u * 1024u)

/* Loads and checks the report at path. Returns ML_OK, or ML_ERR_IO (unreadable) /
 * ML_ERR_CONFIG (not a usable metaleak-report/1) with one line naming the file in err.
 * The caller owns *out and releases it with ml_rfile_release. */
int ml_rfile_load(const char *path, struct ml_rfile *out, char *err, size_t errlen);

/* The same from a buffer; `name` stands for the path in messages. */
int ml_rfile_parse(const char *name, const char *data, size_t len, struct ml_rfile *out,
                   char *err, size_t errlen);

/* Frees what ml_rfile_load allocated. Accepts a zeroed struct. */
void ml_rfile_release(struct ml_rfile *rf);

#endif
