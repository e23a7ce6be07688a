/* Tagging and heap walks of a reference-path search (refpath.c). Worker thread only. */
#ifndef METALEAK_REFWALK_H
#define METALEAK_REFWALK_H

#include <stdint.h>

#include "metaleak/cause.h"
#include "refsearch.h"
#include "walkcap.h"

/* Step 1a: tags every loaded class; the classes of searched loaders carry their index. */
int ml_refwalk_tag_classes(struct ml_search *s);
/* Step 1b: tags every live thread and keeps its name; our own thread's locals are ignored. */
int ml_refwalk_tag_threads(struct ml_search *s);
/* Step 1c: tags the searched loader objects (those still alive). */
int ml_refwalk_tag_targets(struct ml_search *s);
/* Step 1d: tags the objects the agent holds with JNI global references (management beans):
 * a JNI global root to one of them is ours, not the application's. */
int ml_refwalk_tag_own_globals(struct ml_search *s);
/* Records in s->deferral the walk plan that a limit stopped (cut: a walk was cut at it, else
 * the next one was not started). */
void ml_refwalk_note_deferral(struct ml_search *s, const struct ml_walk_plan *plan, bool cut);
/* Step 2: the walks, within the limits; *walks counts them. Sets targets[].found and returns
 * the status for the loaders without a path: deferred when max_pause stopped the walks (one cut
 * at it, or the next predicted longer: s->deferral), budget-exceeded at the deadline. */
enum ml_path_status ml_refwalk_walk(struct ml_search *s, const struct ml_walk_limits *lim,
                                    unsigned *walks);

#endif
