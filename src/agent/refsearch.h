/* The state of one reference-path search, shared by its parts: refpath.c (which loaders, the
 * order of the steps, storing results), refwalk.c (tagging and heap walks), refhooks.c (the
 * shutdown hooks running at exit) and refname.c (naming the steps of a chain). Worker thread
 * only. The tags of the throw-away environment are laid out in pathgraph.h. */
#ifndef METALEAK_REFSEARCH_H
#define METALEAK_REFSEARCH_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/pathgraph.h"
#include "metaleak/registry.h"

#define ML_SEARCH_MAX_HOOKS 64   /* shutdown hooks named per search */

/* One loader being searched. */
struct ml_search_target {
    struct ml_loader *rec;
    bool found;                  /* the walks found a chain to it */
};

struct ml_search {
    JNIEnv *jni;
    jvmtiEnv *main;              /* the agent's environment (names, fields) */
    jvmtiEnv *env;               /* the throw-away environment (tags) */
    struct ml_pg *pg;
    struct ml_search_target *targets;  /* owned */
    uint32_t n_targets;
    bool reach_known;            /* the first walk was complete: pg->reachable is the truth */
    char **thread_names;         /* by thread index, owned */
    uint32_t n_thread_names;
    jweak hooks[ML_SEARCH_MAX_HOOKS];  /* shutdown hooks being run at exit, owned */
    uint32_t n_hooks;
    jclass class_cls;            /* java.lang.Class while naming steps (local reference) */
    struct ml_deferral {         /* the walk that max_pause stopped (refwalk.c) */
        bool cut;                /* cut at the cap (else: not started) */
        int64_t predicted_ns;    /* a whole walk's predicted length, -1 unknown */
        int64_t unwind_ns;       /* the predicted undoing of a cut walk */
        int64_t heap_bytes;      /* heap used, -1 unknown */
    } deferral;
    unsigned walks_filtered;     /* walks run with a class filter */
};

#endif
