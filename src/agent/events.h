/* The JVMTI event callbacks: ClassPrepare, ObjectFree, GarbageCollectionStart/Finish,
 * ThreadStart (the shutdown checkpoint), ThreadEnd, ResourceExhausted, VMInit, VMDeath. */
#ifndef METALEAK_EVENTS_H
#define METALEAK_EVENTS_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

#include "metaleak/registry.h"

/* What to do at VMInit (start the worker); ML_OK or a failure that disables the agent. */
typedef int (*ml_vm_init_fn)(jvmtiEnv *jvmti, JNIEnv *jni);

/* Sets the callbacks and enables the events that need no worker (VMInit unless attached,
 * VMDeath, ClassPrepare, ThreadEnd, ObjectFree, ResourceExhausted). Returns ML_OK or
 * ML_ERR_JVM (with one error line). */
int ml_events_install(jvmtiEnv *jvmti, ml_vm_init_fn on_vm_init);
/* The GC events, once the worker is ready. */
int ml_events_enable_late(jvmtiEnv *jvmti);
/* ThreadStart, for the shutdown checkpoint. */
int ml_events_enable_thread_start(jvmtiEnv *jvmti);

/* True when thread is a shutdown hook waiting in ThreadStart for the shutdown checkpoint: it
 * has run no Java code yet, and the only local reference on its stack is the agent's own (the
 * callback's `thread`), which must not count as the thread using its loader. */
bool ml_events_parked(jvmtiEnv *jvmti, jthread thread);

/* What the callbacks counted. */
struct ml_event_counts {
    uint64_t gc_starts;          /* GarbageCollectionStart events */
    uint64_t gc_pauses;          /* GarbageCollectionFinish events */
    uint64_t ooms;               /* Metaspace / class space OutOfMemoryErrors */
    int64_t oom_first_ms;        /* 0 while the first is being recorded */
    int64_t oom_last_ms;
    bool oom_class_space;        /* the first was for the compressed class space */
};
void ml_events_counts(struct ml_event_counts *out);

#endif
