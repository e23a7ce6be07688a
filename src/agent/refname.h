/* Naming the steps of a reference path (refpath.c). Worker thread only. */
#ifndef METALEAK_REFNAME_H
#define METALEAK_REFNAME_H

#include <stdbool.h>
#include <stdint.h>

#include "metaleak/cause.h"
#include "refsearch.h"

/* Step 3: names every step of target t's chain into p and classifies it (cause.c). Returns
 * ML_OK, ML_ERR_FULL (no chain), ML_ERR_NOMEM or ML_ERR_JVM. p's memory is the caller's
 * (ml_path_clear). */
int ml_refname_path(struct ml_search *s, int32_t t, struct ml_path *p);
/* True when the step list crosses a Reference.referent: then the chain is not strong. */
bool ml_refname_through_referent(const struct ml_path *p);

#endif
