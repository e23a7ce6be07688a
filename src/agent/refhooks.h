/* The shutdown hooks the JVM is running at exit, for a reference-path search (refpath.c). */
#ifndef METALEAK_REFHOOKS_H
#define METALEAK_REFHOOKS_H

#include <jni.h>
#include <stdbool.h>

#include "refsearch.h"

/* At exit only (once the shutdown checkpoint started): finds the hook threads the JVM is
 * running. ApplicationShutdownHooks has already emptied its list; the hooks are in runHooks()'s
 * locals. A walk of the roots finds those locals, a small walk from them finds the threads;
 * they are kept in s->hooks as weak references for naming, and the temporary tags are
 * removed. A hook thread becomes a weak anchor of the search graph. */
void ml_refhooks_find(struct ml_search *s);
/* True when obj is one of the hooks found. */
bool ml_refhooks_is_hook(const struct ml_search *s, jobject obj);

#endif
