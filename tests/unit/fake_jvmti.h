/* A thin fake JVM for unit tests of the agent's glue (loader tracking, the replay): a
 * jvmtiEnv and a JNIEnv whose function tables hold just the functions that glue calls, over a
 * small world of fake objects (classes, loaders) with JVMTI tags. Every jobject / jclass is a
 * struct fobj *. Calls are counted per function, and any function can be made to fail.
 *
 * Not thread-safe: one test drives it at a time (raw monitors are counters, not locks). */
#ifndef METALEAK_FAKE_JVMTI_H
#define METALEAK_FAKE_JVMTI_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>

#define FAKE_MAX_OBJECTS 256

/* A fake object: a class (is_class) or an instance (a class loader). */
struct fobj {
    jlong tag;                   /* JVMTI tag in the agent's environment */
    bool is_class;
    /* classes */
    const char *sig;             /* "Lp/Name;" */
    struct fobj *loader;         /* defining loader, NULL = bootstrap */
    struct fobj *super;          /* superclass, NULL for java.lang.Object */
    bool modifiable;             /* false for hidden classes */
    jint status;                 /* JVMTI_CLASS_STATUS_* */
    /* instances */
    struct fobj *cls;            /* the object's class */
    jint hash;                   /* identity hash */
};

/* Functions that can be counted or made to fail. */
enum fake_fn {
    FAKE_GET_TAG, FAKE_SET_TAG, FAKE_GET_CLASS_LOADER, FAKE_IS_MODIFIABLE, FAKE_GET_SIGNATURE,
    FAKE_GET_LOADED_CLASSES, FAKE_GET_CLASS_STATUS, FAKE_GET_LOADER_CLASSES, FAKE_HASH,
    FAKE_MONITOR_ENTER, FAKE_FN_COUNT
};

struct fake_world {
    struct fobj objs[FAKE_MAX_OBJECTS];
    int n;
    struct fobj *loaded[FAKE_MAX_OBJECTS];  /* what GetLoadedClasses returns, in order */
    int n_loaded;
    int calls[FAKE_FN_COUNT];
    jvmtiError fail[FAKE_FN_COUNT];         /* JVMTI_ERROR_NONE = works */
    struct fobj *tag_calls_on;              /* count GetTag only for this object (NULL: all) */
    int monitors_held;                      /* raw monitor depth (enter - exit) */
    /* Called at the start of GetLoadedClasses / GetClassLoaderClasses: lets a test "prepare"
     * a class on another thread in the middle of a replay. */
    void (*on_list)(void *arg);
    void *on_list_arg;
};

extern struct fake_world fw;
extern jvmtiEnv *fake_jvmti;
extern JNIEnv *fake_jni;

/* Empties the world. */
void fake_reset(void);
/* java.lang.Object, java.lang.ClassLoader, java.net.URLClassLoader (bootstrap classes, not
 * in the loaded list unless added). */
struct fobj *fake_object_class(void);
struct fobj *fake_class_loader_class(void);
struct fobj *fake_url_loader_class(void);
/* A class defined by loader (NULL = bootstrap), prepared; added to the loaded list. */
struct fobj *fake_class(const char *sig, struct fobj *loader);
/* A hidden class (not modifiable, a '.' in its signature's last part). */
struct fobj *fake_hidden_class(const char *sig, struct fobj *loader);
/* A loader instance of cls (fake_url_loader_class() or a subclass). */
struct fobj *fake_loader(struct fobj *cls, jint hash);

#endif
