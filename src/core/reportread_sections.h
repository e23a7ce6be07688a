/* Reading the sections of a report besides its leaks[] and loaders[]: the header (trigger, jvm,
 * metaspace, summary) that every command needs, and the details the HTML page and the gates
 * read (agent, samples, Metaspace details, dropped counts, gc, flink_config, paths). Private to
 * the core: reportread.c reads the file. */
#ifndef METALEAK_REPORTREAD_SECTIONS_H
#define METALEAK_REPORTREAD_SECTIONS_H

#include "jsonget.h"
#include "metaleak/reportdata.h"

/* Reads the header of the document root into rf: trigger, generated_at, jvm, metaspace and
 * summary are required objects (the first two required strings). Returns ML_OK or
 * ML_ERR_CONFIG with one message in c. */
int ml_rread_header(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf);

/* Reads the optional details into rf (after ml_rread_header succeeded): each may be absent in
 * an older agent's report but, when present, must have its documented type. What rf owns
 * (samples, collectors, flink_config, path_groups) is freed by ml_rfile_release, also after an
 * error. */
int ml_rread_details(struct ml_jget *c, const cJSON *root, struct ml_rfile *rf);

#endif
