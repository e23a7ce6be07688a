/* One loader's entry (loaders[]) and one leak's entry (leaks[]) of the report, with the leak's
 * reference path. Private to the core: reportrender.c assembles the document. */
#ifndef METALEAK_REPORTENTRY_H
#define METALEAK_REPORTENTRY_H

#include <stdbool.h>

#include "jsontree.h"
#include "metaleak/registry.h"

/* Appends l's entry to the array arr. False when out of memory. */
bool ml_report_add_loader(struct ml_jtree *jt, cJSON *arr, const struct ml_loader *l);
/* Appends the leak entry of l (a leaked loader) to arr; paths_on: paths=auto. */
bool ml_report_add_leak(struct ml_jtree *jt, cJSON *arr, const struct ml_loader *l,
                        bool paths_on);
/* Appends the entry of l, whose leak verdict was withdrawn, to arr (the report's `withdrawn`). */
bool ml_report_add_withdrawn(struct ml_jtree *jt, cJSON *arr, const struct ml_loader *l,
                             bool paths_on);

#endif
