/* The generated part of docs/known-leaks.md: an index table and one section per catalogue
 * entry (title, library, fixed-in version, the versions the tests reproduce it with, the
 * workaround, the references, the path patterns in words). */
#ifndef METALEAK_KNOWNMD_H
#define METALEAK_KNOWNMD_H

#include <stdio.h>

#include "metaleak/known.h"

/* Writes the generated part for cat to f (UTF-8 Markdown). */
void ml_knownmd_emit(FILE *f, const struct ml_known_catalogue *cat);

#endif
