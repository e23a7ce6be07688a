/* Naming the steps of a reference path (step 3, see refpath.c), outside the safepoint: the
 * chain's objects come back with GetObjectsWithTags; field names are found by comparing the
 * referrer's reference fields with the next object (so the JVM's field-index order, which
 * changed between JDK versions, does not matter); map entries with a String key show the key;
 * threads, methods and code-source jars are named. The cause, signature and known library leak
 * come from leakid.c. */
#include "refname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jniutil.h"
#include "jvmerror.h"
#include "metaleak/cause.h"
#include "metaleak/error.h"
#include "metaleak/jnames.h"
#include "metaleak/leakid.h"
#include "refhooks.h"
#include "tracking.h"

#define MAX_STEPS 64             /* steps kept per path */
#define MAX_KEY 160              /* characters of a map key kept */

static char *class_name_of(struct ml_search *s, jclass cls)
{
    char *sig = NULL, *name;

    if (cls == NULL || !ml_jvmti_ok((*s->main)->GetClassSignature(s->main, cls, &sig, NULL),
                                    ML_ON_ERROR_SKIP, "GetClassSignature"))
        return NULL;
    name = ml_sig_to_java(sig);
    ml_jvmti_free(s->main, sig);
    return name;
}

/* The name of the reference field of `holder` (an instance, or a class for statics) whose
 * value is `value`. Superclass fields are searched too. NULL when not found. */
static char *field_name(struct ml_search *s, jobject holder, jobject value, bool is_static)
{
    JNIEnv *jni = s->jni;
    jclass cls = is_static ? (jclass)(*jni)->NewLocalRef(jni, holder)
                           : (*jni)->GetObjectClass(jni, holder);
    char *found = NULL;

    while (cls != NULL && found == NULL) {
        jint n = 0;
        jfieldID *fields = NULL;
        jclass super;

        if (ml_jvmti_ok((*s->main)->GetClassFields(s->main, cls, &n, &fields), ML_ON_ERROR_SKIP,
                        "GetClassFields")) {
            for (jint i = 0; i < n && found == NULL; i++) {
                jint mods = 0;
                char *name = NULL, *sig = NULL;
                jobject v;

                if (!ml_jvmti_ok((*s->main)->GetFieldModifiers(s->main, cls, fields[i], &mods),
                                 ML_ON_ERROR_SKIP, "GetFieldModifiers") ||
                    ((mods & 0x0008) != 0) != is_static)
                    continue;
                if (!ml_jvmti_ok((*s->main)->GetFieldName(s->main, cls, fields[i], &name, &sig,
                                                          NULL),
                                 ML_ON_ERROR_SKIP, "GetFieldName"))
                    continue;
                if (sig[0] == 'L' || sig[0] == '[') {
                    v = is_static ? (*jni)->GetStaticObjectField(jni, cls, fields[i])
                                  : (*jni)->GetObjectField(jni, holder, fields[i]);
                    if (v != NULL) {
                        if ((*jni)->IsSameObject(jni, v, value))
                            found = strdup(name);
                        (*jni)->DeleteLocalRef(jni, v);
                    }
                }
                ml_jvmti_free(s->main, name);
                ml_jvmti_free(s->main, sig);
            }
            ml_jvmti_free(s->main, fields);
        }
        if (is_static)
            break; /* statics of supertypes are reported from their own classes */
        super = (*jni)->GetSuperclass(jni, cls);
        (*jni)->DeleteLocalRef(jni, cls);
        cls = super;
    }
    if (cls != NULL)
        (*jni)->DeleteLocalRef(jni, cls);
    ml_jni_clear(jni);
    return found;
}

/* A map entry's String key, when `entry` has a `key` field holding a String. */
static char *map_key(struct ml_search *s, jobject entry)
{
    JNIEnv *jni = s->jni;
    jclass cls = (*jni)->GetObjectClass(jni, entry);
    jclass str = (*jni)->FindClass(jni, "java/lang/String");
    jfieldID fid = NULL;
    jobject key = NULL;
    char *out = NULL;

    for (jclass c = cls; c != NULL && fid == NULL;) {
        jclass super;

        fid = (*jni)->GetFieldID(jni, c, "key", "Ljava/lang/Object;");
        ml_jni_clear(jni);
        if (fid != NULL) {
            key = (*jni)->GetObjectField(jni, entry, fid);
            break;
        }
        super = (*jni)->GetSuperclass(jni, c);
        if (c != cls)
            (*jni)->DeleteLocalRef(jni, c);
        c = super;
    }
    if (key != NULL && str != NULL && (*jni)->IsInstanceOf(jni, key, str)) {
        out = ml_jni_strdup(jni, (jstring)key);
        if (out != NULL && strlen(out) > MAX_KEY)
            memcpy(out + MAX_KEY - 3, "...", 4);
    }
    if (key != NULL)
        (*jni)->DeleteLocalRef(jni, key);
    if (str != NULL)
        (*jni)->DeleteLocalRef(jni, str);
    if (cls != NULL)
        (*jni)->DeleteLocalRef(jni, cls);
    ml_jni_clear(jni);
    return out;
}

static char *method_name(struct ml_search *s, void *method)
{
    jmethodID m = (jmethodID)method;
    jclass decl = NULL;
    char *name = NULL, *cname = NULL, *out = NULL;
    size_t len;

    if (m == NULL || !ml_jvmti_ok((*s->main)->GetMethodName(s->main, m, &name, NULL, NULL),
                                  ML_ON_ERROR_SKIP, "GetMethodName"))
        return NULL;
    if (ml_jvmti_ok((*s->main)->GetMethodDeclaringClass(s->main, m, &decl), ML_ON_ERROR_SKIP,
                    "GetMethodDeclaringClass")) {
        cname = class_name_of(s, decl);
        (*s->jni)->DeleteLocalRef(s->jni, decl);
    }
    len = strlen(name) + (cname != NULL ? strlen(cname) : 1) + 2;
    out = malloc(len);
    if (out != NULL)
        snprintf(out, len, "%s.%s", cname != NULL ? cname : "?", name);
    free(cname);
    ml_jvmti_free(s->main, name);
    return out;
}

/* Registry id of the loader that defined cls: 0 for the JDK, UINT64_MAX when untracked. */
static uint64_t loader_id_of(struct ml_search *s, jclass cls)
{
    const struct ml_loader *l = ml_track_defining_loader(s->main, s->jni, cls);

    return l != NULL ? l->id : UINT64_MAX;
}

static const char *thread_name(const struct ml_search *s, uint64_t tag)
{
    uint32_t i = ML_PG_IDX(tag);

    if (ML_PG_KIND(tag) != ML_PG_KIND_THREAD || i >= s->n_thread_names)
        return NULL;
    return s->thread_names[i];
}

static char *dup_or_null(const char *v)
{
    return v != NULL ? strdup(v) : NULL;
}

/* Looks up the object of a node among those fetched by tag. */
static jobject object_of(jlong tag, const jlong *tags, const jobject *objs, jint n)
{
    for (jint i = 0; i < n; i++)
        if (tags[i] == tag)
            return objs[i];
    return NULL;
}

/* Fills step `st` for node v reached through edge e (NULL for an anchor). */
static void describe_step(struct ml_search *s, struct ml_step *st, int32_t v,
                          const struct ml_pg_edge *e, const jlong *tags, const jobject *objs,
                          jint n)
{
    const struct ml_pg_node *node = &s->pg->nodes[v];
    jobject obj = object_of((jlong)node->tag, tags, objs, n);
    jclass cls = NULL;

    memset(st, 0, sizeof(*st));
    st->index = -1;
    st->object = node->object;
    st->owned = node->target >= 0;
    st->ref = e != NULL ? e->info.ref : node->anchor;
    st->loader_id = UINT64_MAX;
    if (obj != NULL) {
        /* Untagged classes on a chain are plain nodes: recognise them here. */
        if (st->object == ML_OBJ_INSTANCE && s->class_cls != NULL &&
            (*s->jni)->IsInstanceOf(s->jni, obj, s->class_cls))
            st->object = ML_OBJ_CLASS;
        cls = st->object == ML_OBJ_CLASS ? (jclass)(*s->jni)->NewLocalRef(s->jni, obj)
                                         : (*s->jni)->GetObjectClass(s->jni, obj);
        st->loader_id = loader_id_of(s, cls);
        st->class_name = class_name_of(s, cls);
        st->jar = ml_jni_class_location(s->jni, cls);
        st->hook = node->object != ML_OBJ_CLASS && ml_refhooks_is_hook(s, obj);
    }
    if (node->object == ML_OBJ_THREAD)
        st->thread = dup_or_null(thread_name(s, node->tag));
    if (e != NULL) {
        if (e->info.ref == ML_REF_ARRAY_ELEMENT || e->info.ref == ML_REF_CONSTANT_POOL)
            st->index = e->info.index;
        if (e->info.ref == ML_REF_ROOT_STACK_LOCAL || e->info.ref == ML_REF_ROOT_JNI_LOCAL) {
            free(st->thread);
            st->thread = dup_or_null(thread_name(s, e->info.thread_tag));
            st->method = method_name(s, e->info.method);
        }
        if ((e->info.ref == ML_REF_FIELD || e->info.ref == ML_REF_STATIC_FIELD) && e->from >= 0 &&
            obj != NULL) {
            jobject holder = object_of((jlong)s->pg->nodes[e->from].tag, tags, objs, n);

            if (holder != NULL) {
                st->field = field_name(s, holder, obj, e->info.ref == ML_REF_STATIC_FIELD);
                if (st->field != NULL && strcmp(st->field, "value") == 0)
                    st->key = map_key(s, holder);
            }
        }
    }
    if (cls != NULL)
        (*s->jni)->DeleteLocalRef(s->jni, cls);
}

/* Step 3: names every step of target t's chain into p. */
int ml_refname_path(struct ml_search *s, int32_t t, struct ml_path *p)
{
    int32_t chain[MAX_STEPS];
    size_t len = ml_pg_path(s->pg, t, chain, MAX_STEPS);
    jlong *want = NULL, *tags = NULL;
    jobject *objs = NULL;
    jint n = 0;
    size_t nw = 0;
    int rc = ML_ERR_NOMEM;
    const struct ml_pg_edge *first;
    bool anchored;

    if (len == 0)
        return ML_ERR_FULL;
    first = &s->pg->edges[chain[0]];
    anchored = first->from >= 0;
    want = malloc((len + 1) * sizeof(*want));
    if (want == NULL)
        return ML_ERR_NOMEM;
    if (anchored)
        want[nw++] = (jlong)s->pg->nodes[first->from].tag;
    for (size_t i = 0; i < len; i++)
        want[nw++] = (jlong)s->pg->nodes[s->pg->edges[chain[i]].to].tag;
    if (!ml_jvmti_ok((*s->env)->GetObjectsWithTags(s->env, (jint)nw, want, &n, &objs, &tags),
                     ML_ON_ERROR_DEBUG, "path search: GetObjectsWithTags(chain)")) {
        free(want);
        return ML_ERR_JVM;
    }
    p->steps = calloc(len + 1, sizeof(*p->steps));
    if (p->steps == NULL)
        goto cleanup;
    if (s->class_cls == NULL) {
        s->class_cls = (*s->jni)->FindClass(s->jni, "java/lang/Class");
        ml_jni_clear(s->jni);
    }
    if (anchored)
        describe_step(s, &p->steps[p->n_steps++], first->from, NULL, tags, objs, n);
    for (size_t i = 0; i < len; i++) {
        const struct ml_pg_edge *e = &s->pg->edges[chain[i]];

        describe_step(s, &p->steps[p->n_steps++], e->to, e, tags, objs, n);
    }
    rc = ml_path_identify(p, ml_known_builtin());
cleanup:
    for (jint i = 0; i < n; i++)
        (*s->jni)->DeleteLocalRef(s->jni, objs[i]);
    ml_jvmti_free(s->env, objs);
    ml_jvmti_free(s->env, tags);
    free(want);
    return rc;
}

/* True when the step list crosses a Reference.referent: then the chain is not strong. */
bool ml_refname_through_referent(const struct ml_path *p)
{
    for (size_t i = 1; i < p->n_steps; i++)
        if (p->steps[i].ref == ML_REF_FIELD && p->steps[i].field != NULL &&
            strcmp(p->steps[i].field, "referent") == 0)
            return true;
    return false;
}
