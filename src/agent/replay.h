/* The replay: counting the classes that were prepared before the agent's ClassPrepare events
 * were on (the VM's start-up phases, or everything on a late attach), each class exactly once
 * even while ClassPrepare runs at the same time. ClassPrepare therefore goes through here too.
 *
 * While the replay runs (the "window"), ClassPrepare and the replay both take the replay
 * monitor and mark every class they count with the "counted" tag (ML_TAG_SEEN, registry.h);
 * a class that already carries it is skipped. After the window only each thread's first
 * ClassPrepare checks the tag (see ml_replay_class_prepare). On attach, a loader that a
 * ClassPrepare registers during the window gets its earlier classes counted at once: it may die
 * before the replay reaches it. */
#ifndef METALEAK_REPLAY_H
#define METALEAK_REPLAY_H

#include <jni.h>
#include <jvmti.h>

/* Creates the replay monitor and opens the window (start-up, before any event). Returns the
 * JVMTI error of CreateRawMonitor. */
jvmtiError ml_replay_init(jvmtiEnv *jvmti);

/* ClassPrepare: counts klass once. */
void ml_replay_class_prepare(jvmtiEnv *jvmti, JNIEnv *jni, jclass klass);

/* The worker, first thing: replays GetLoadedClasses (prepared, non-array classes) into the
 * registry and closes the window. Returns ML_OK or ML_ERR_JVM (the agent is then disabled). */
int ml_replay_run(jvmtiEnv *jvmti, JNIEnv *jni);

#endif
