/* The signature of a leak: a short hex string computed from the shape of its reference path, so
 * that the same leak has the same signature in every submission of a job, on every TaskManager,
 * and whether it was found while the JVM ran or during its shutdown.
 *
 * The shape ("canonical text", one token a line) is built from:
 *   - the root: its kind and what it is (the class of a static field's class, the class of a
 *     thread, the method of a stack root), and the name of a root thread of a JDK class (a
 *     java.lang.Thread is told apart by its name only) or of a stack root's thread, with every
 *     run of digits (and of 8+ hex digits) replaced by '#';
 *   - every reference outside the job: "Holder.field" (or "Holder <ref kind>"); a hop inside a
 *     collection (java.util maps, lists, their nodes and arrays; any class whose simple name says
 *     Map, List, Set, Queue, Deque, Table, Node, Entry, ...) is one token, its class without the
 *     field for a library collection, "~" for a JDK one; equal consecutive tokens count once;
 *   - the first object the job owns: its class (or "loader <class>", "class <name>").
 * Array indices, map keys, ids, hashes, thread numbers, hidden-class and lambda suffixes and
 * generated-accessor numbers are left out. A path through a registered shutdown hook starts at
 * the hook (root "shutdown-hook"), whether the JVM has started the hook or not.
 *
 * The signature is the 64-bit FNV-1a hash of "metaleak-signature/1\n" followed by the canonical
 * text (each token and its newline; a token is cut at 1023 bytes), as 16 lower-case hex digits.
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_SIGNATURE_H
#define METALEAK_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "metaleak/cause.h"

/* How a path is read for its signature and for the known-leak patterns: where its durable part
 * starts and what kind of root that is. */
enum ml_root_kind {
    ML_ROOT_NONE = 0,          /* no path */
    ML_ROOT_THREAD,            /* a live thread */
    ML_ROOT_STACK_LOCAL,       /* a local variable on a thread's stack */
    ML_ROOT_JNI_LOCAL,
    ML_ROOT_JNI_GLOBAL,
    ML_ROOT_CLASS,             /* a class of a loader that did not leak (a static field) */
    ML_ROOT_MONITOR,
    ML_ROOT_OTHER,
    ML_ROOT_SHUTDOWN_HOOK,     /* a registered shutdown hook (started by the JVM or not) */
};

struct ml_path_view {
    enum ml_root_kind root;
    size_t start;              /* the step the durable part starts at (the hook for hooks) */
    size_t owned;              /* the first step owned by the leaked loader; n_steps if none */
};

/* "thread", "stack-local", "jni-local", "jni-global", "class", "monitor", "other",
 * "shutdown-hook"; NULL for ML_ROOT_NONE. */
const char *ml_root_kind_name(enum ml_root_kind kind);
/* The kind named name, or ML_ROOT_NONE. */
enum ml_root_kind ml_root_kind_parse(const char *name);

/* Reads p as above. A path without steps gives root ML_ROOT_NONE. Never fails. */
void ml_path_view(const struct ml_path *p, struct ml_path_view *view);

/* Writes p's signature (ML_SIGNATURE_LEN hex digits and a NUL) into out. Returns false (out is
 * then "") when p has no steps or memory ran out. */
bool ml_path_signature(const struct ml_path *p, char out[ML_SIGNATURE_LEN + 1]);

/* The canonical text the signature hashes (tests, debugging), one token a line. Returns a string
 * the caller frees, NULL when p has no steps or memory ran out. */
char *ml_path_signature_text(const struct ml_path *p);

/* True when class_name is a collection or one of its parts by the rule above. */
bool ml_signature_is_container(const char *class_name);

#endif
