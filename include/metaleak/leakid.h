/* What a leak is: its cause and advice (cause.h), its signature (signature.h) and the known
 * library leak it matches (known.h), in one call for the agent, which names a path once and
 * keeps the result in the loader's record.
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_LEAKID_H
#define METALEAK_LEAKID_H

#include "metaleak/cause.h"
#include "metaleak/known.h"

/* Classifies p (ml_path_classify), computes its signature and matches it against cat (NULL:
 * no catalogue). When a known leak matches, p->known is set and p->advice becomes the known
 * leak's fix followed by the cause's general advice ("Known library leak ID (LIBRARY; fixed in
 * V): ADVICE In general: ..."). Returns ML_OK, or ML_ERR_NOMEM (then p keeps its steps, and
 * what was computed before memory ran out: no advice, summary or shape). */
int ml_path_identify(struct ml_path *p, const struct ml_known_catalogue *cat);

/* The advice of known leak e, then general (may be NULL), as one string the caller frees; NULL
 * when memory ran out. */
char *ml_known_advice(const struct ml_known_entry *e, const char *general);

#endif
