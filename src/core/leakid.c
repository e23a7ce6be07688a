/* What a leak is: cause, signature and known library leak (see leakid.h). */
#include "metaleak/leakid.h"

#include <stdio.h>
#include <stdlib.h>

#include "metaleak/error.h"
#include "metaleak/signature.h"

#define KNOWN_FMT "Known library leak %s (%s; %s%s): %s%s%s"

char *ml_known_advice(const struct ml_known_entry *e, const char *general)
{
    const char *fixed = e->fixed_in != NULL ? "fixed in " : "no fixed release";
    const char *version = e->fixed_in != NULL ? e->fixed_in : "";
    const char *sep = general != NULL ? " In general: " : "";
    const char *tail = general != NULL ? general : "";
    int n = snprintf(NULL, 0, KNOWN_FMT, e->id, e->library, fixed, version, e->advice, sep, tail);
    char *out;

    if (n < 0)
        return NULL;
    out = malloc((size_t)n + 1);
    if (out != NULL)
        snprintf(out, (size_t)n + 1, KNOWN_FMT, e->id, e->library, fixed, version, e->advice, sep,
                 tail);
    return out;
}

int ml_path_identify(struct ml_path *p, const struct ml_known_catalogue *cat)
{
    int rc = ml_path_classify(p);
    char *advice;

    p->known = NULL;
    p->signature[0] = '\0';
    if (rc != ML_OK || p->n_steps == 0)
        return rc;
    /* Only fails without memory (the path has steps): the leak is then reported unsigned. */
    if (!ml_path_signature(p, p->signature))
        return ML_ERR_NOMEM;
    p->known = ml_known_match(cat, p);
    if (p->known == NULL)
        return ML_OK;
    advice = ml_known_advice(p->known, p->advice);
    if (advice == NULL)
        return ML_ERR_NOMEM;
    free(p->advice);
    p->advice = advice;
    return ML_OK;
}
