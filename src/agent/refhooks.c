/* The shutdown hooks that the JVM is running at exit, for a reference-path search: a running
 * hook that holds a leaked loader is named as such (shutdown_hook in the path's steps), and a
 * hook that is not the job's own is a weak anchor. */
#include "refhooks.h"

#include <stdlib.h>
#include <string.h>

#include "jdkids.h"
#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/log.h"
#include "state.h"

#define HOOK_WALK_CALLS 100000          /* bound of the walk from runHooks' locals */

/* State of the small walks that find the shutdown hooks held by runHooks' frame. */
struct hook_walk {
    jmethodID run_hooks;
    uint64_t found[ML_SEARCH_MAX_HOOKS];  /* the hook threads: thread tags or ML_PG_HOOK_MARK */
    uint32_t n_found;
    uint32_t calls;
};

/* Records a thread object met by the hook walks: a live thread keeps its thread tag, an
 * unstarted one gets ML_PG_HOOK_MARK. */
static void note_hook(struct hook_walk *h, jlong *tag_ptr)
{
    uint64_t t = (uint64_t)*tag_ptr;

    if (t == 0) {
        *tag_ptr = (jlong)ML_PG_HOOK_MARK;
        t = ML_PG_HOOK_MARK;
    }
    if (ML_PG_KIND(t) != ML_PG_KIND_THREAD && t != ML_PG_HOOK_MARK)
        return;
    for (uint32_t i = 0; i < h->n_found; i++)
        if (h->found[i] == t && t != ML_PG_HOOK_MARK)
            return;
    if (h->n_found < ML_SEARCH_MAX_HOOKS)
        h->found[h->n_found++] = t;
}

/* Roots only: the locals of ApplicationShutdownHooks.runHooks() (the hook being joined, and
 * the collection of all hooks, which gets ML_PG_HOOK_MARK to be walked from). Visits nothing. */
static jint JNICALL on_hook_root(jvmtiHeapReferenceKind kind, const jvmtiHeapReferenceInfo *info,
                                 jlong class_tag, jlong referrer_class_tag, jlong size,
                                 jlong *tag_ptr, jlong *referrer_tag_ptr, jint length,
                                 void *user_data)
{
    struct hook_walk *h = user_data;

    (void)referrer_class_tag;
    (void)size;
    (void)referrer_tag_ptr;
    (void)length;
    if (kind != JVMTI_HEAP_REFERENCE_STACK_LOCAL || info->stack_local.method != h->run_hooks)
        return 0;
    if (((uint64_t)class_tag & ML_PG_THREAD_CLASS) != 0)
        note_hook(h, tag_ptr);
    else if (*tag_ptr == 0)
        *tag_ptr = (jlong)ML_PG_HOOK_MARK;
    return 0;
}

/* From the collection of hooks: fields and array elements only, down to the threads. */
static jint JNICALL on_hook_ref(jvmtiHeapReferenceKind kind, const jvmtiHeapReferenceInfo *info,
                                jlong class_tag, jlong referrer_class_tag, jlong size,
                                jlong *tag_ptr, jlong *referrer_tag_ptr, jint length,
                                void *user_data)
{
    struct hook_walk *h = user_data;

    (void)info;
    (void)referrer_class_tag;
    (void)size;
    (void)referrer_tag_ptr;
    (void)length;
    if (++h->calls > HOOK_WALK_CALLS)
        return JVMTI_VISIT_ABORT;
    if (kind != JVMTI_HEAP_REFERENCE_FIELD && kind != JVMTI_HEAP_REFERENCE_ARRAY_ELEMENT)
        return 0;
    if (((uint64_t)class_tag & ML_PG_THREAD_CLASS) != 0) {
        note_hook(h, tag_ptr);
        return 0;
    }
    return ML_PG_KIND((uint64_t)*tag_ptr) == 0 ? JVMTI_VISIT_OBJECTS : 0;
}

/* Removes a temporary mark. One left behind costs nothing: the environment is disposed of. */
static void untag(const struct ml_search *s, jobject obj)
{
    ml_jvmti_ok((*s->env)->SetTag(s->env, obj, 0), ML_ON_ERROR_DEBUG,
                "path search: SetTag(hook mark)");
}

/* Keeps a hook thread (weakly) for ml_refhooks_is_hook, once. */
static void keep_hook(struct ml_search *s, jobject thread)
{
    jweak w;

    if (s->n_hooks >= ML_SEARCH_MAX_HOOKS || ml_refhooks_is_hook(s, thread))
        return;
    w = (*s->jni)->NewWeakGlobalRef(s->jni, thread);
    if (w != NULL)
        s->hooks[s->n_hooks++] = w;
    if (ml_opts()->log >= ML_LOG_DEBUG && ml_jdkids()->thread_name != NULL) {
        jobject name = (*s->jni)->GetObjectField(s->jni, thread, ml_jdkids()->thread_name);
        char *text = name != NULL ? ml_jni_strdup(s->jni, (jstring)name) : NULL;
        char shown[128];

        ml_log(ML_LOG_DEBUG, "path search: shutdown hook '%s'",
               ml_printable(text != NULL ? text : "?", shown, sizeof(shown)));
        free(text);
        if (name != NULL)
            (*s->jni)->DeleteLocalRef(s->jni, name);
        ml_jni_clear(s->jni);
    }
}

/* Step 1c (at exit only), see refhooks.h. */
void ml_refhooks_find(struct ml_search *s)
{
    const struct ml_jids *ids = ml_jdkids();
    JNIEnv *jni = s->jni;
    jvmtiHeapCallbacks cb;
    struct hook_walk h;
    jlong mark = (jlong)ML_PG_HOOK_MARK;
    jobject *objs = NULL;
    jint n = 0;

    if (ids->run_hooks == NULL || !ml_mail_checkpoint_started())
        return;
    memset(&h, 0, sizeof(h));
    h.run_hooks = ids->run_hooks;
    memset(&cb, 0, sizeof(cb));
    cb.heap_reference_callback = on_hook_root;
    /* Without the hooks a search still runs; it only cannot name them. */
    if (!ml_jvmti_ok((*s->env)->FollowReferences(s->env, 0, NULL, NULL, &cb, &h),
                     ML_ON_ERROR_DEBUG, "path search: the walk of the roots for hooks"))
        return;
    /* Walk from each marked local (the hooks' collection, its iterator) to the threads in it;
     * not from a marked thread (the hook being started or joined): its fields lead to its
     * thread group and every thread in it, which are no hooks. */
    if (ml_jvmti_ok((*s->env)->GetObjectsWithTags(s->env, 1, &mark, &n, &objs, NULL),
                    ML_ON_ERROR_DEBUG, "path search: GetObjectsWithTags(hook mark)")) {
        cb.heap_reference_callback = on_hook_ref;
        for (jint i = 0; i < n; i++) {
            if (ids->thread_cls == NULL || !(*jni)->IsInstanceOf(jni, objs[i], ids->thread_cls))
                ml_jvmti_ok((*s->env)->FollowReferences(s->env, 0, NULL, objs[i], &cb, &h),
                            ML_ON_ERROR_DEBUG, "path search: the walk from runHooks' locals");
            (*jni)->DeleteLocalRef(jni, objs[i]);
        }
        ml_jvmti_free(s->env, objs);
    }
    /* Keep the hook threads (weakly). A running hook that is not the job's own is a weak
     * anchor: a chain from it (the JDK's Logging-Cleaner holds the LogManager, say) is used only
     * when no other chain exists. Every hook counts, however many the JVM has started when the
     * search runs: started ones by their thread tag, the others among the marked objects. */
    for (uint32_t i = 0; i < h.n_found; i++) {
        jlong t = (jlong)h.found[i];
        jint k = 0;

        if (t == mark)
            continue;
        ml_pg_weaken_thread(s->pg, (uint64_t)t);
        if (!ml_jvmti_ok((*s->env)->GetObjectsWithTags(s->env, 1, &t, &k, &objs, NULL),
                         ML_ON_ERROR_DEBUG, "path search: GetObjectsWithTags(hook)"))
            continue;
        for (jint j = 0; j < k; j++) {
            keep_hook(s, objs[j]);
            (*jni)->DeleteLocalRef(jni, objs[j]);
        }
        ml_jvmti_free(s->env, objs);
    }
    /* The marked objects: hooks not started yet, and runHooks' collection and iterator (only
     * Thread objects are hooks); every mark is removed. */
    if (ml_jvmti_ok((*s->env)->GetObjectsWithTags(s->env, 1, &mark, &n, &objs, NULL),
                    ML_ON_ERROR_DEBUG, "path search: GetObjectsWithTags(hook mark)")) {
        for (jint i = 0; i < n; i++) {
            if (ids->thread_cls != NULL && (*jni)->IsInstanceOf(jni, objs[i], ids->thread_cls))
                keep_hook(s, objs[i]);
            untag(s, objs[i]);
            (*jni)->DeleteLocalRef(jni, objs[i]);
        }
        ml_jvmti_free(s->env, objs);
    }
    ml_jni_clear(jni);
    ml_log(ML_LOG_DEBUG, "path search: %u shutdown hooks running", s->n_hooks);
}

bool ml_refhooks_is_hook(const struct ml_search *s, jobject obj)
{
    for (uint32_t i = 0; i < s->n_hooks; i++)
        if ((*s->jni)->IsSameObject(s->jni, s->hooks[i], obj))
            return true;
    return false;
}
