/* Paths of one leaked loader that run through the objects of another leaked loader (issue 15
 * defect 2): the steps owned by the other leak are marked `owned_by` (refpath.c). */
#ifndef METALEAK_REFTHROUGH_H
#define METALEAK_REFTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/cause.h"
#include "metaleak/registry.h"

/* The ids of the leaked loaders, sorted (malloc, the caller frees; NULL when none or out of
 * memory). Registry lock held. */
uint64_t *ml_refthrough_leaked_ids(struct ml_registry *reg, size_t *n);

/* Marks the steps of path p owned by a leaked loader (in leaked, sorted, n_leaked ids) other
 * than self that was not searched this time (its path was found before): the chain runs
 * through that leak. Returns true when it marked a step. */
bool ml_refthrough_mark(struct ml_path *p, uint64_t self, const uint64_t *leaked,
                        size_t n_leaked);

#endif
