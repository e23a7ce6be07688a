/* Small JNI helpers (see jniutil.h). */
#include "jniutil.h"

#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"

char *ml_jni_strdup(JNIEnv *jni, jstring s)
{
    const char *utf;
    char *copy;

    if (s == NULL)
        return NULL;
    utf = (*jni)->GetStringUTFChars(jni, s, NULL);
    if (utf == NULL) {
        ml_jni_clear(jni);
        return NULL;
    }
    copy = strdup(utf);
    (*jni)->ReleaseStringUTFChars(jni, s, utf);
    return copy;
}

char *ml_jni_class_location(JNIEnv *jni, jclass cls)
{
    static jmethodID get_pd, get_cs, get_location, to_string;  /* resolved once */
    jobject pd = NULL, cs = NULL, loc = NULL;
    jstring text = NULL;
    char *out = NULL;

    if (get_pd == NULL) {
        jclass c = (*jni)->FindClass(jni, "java/lang/Class");
        jclass p = c == NULL ? NULL : (*jni)->FindClass(jni, "java/security/ProtectionDomain");
        jclass k = p == NULL ? NULL : (*jni)->FindClass(jni, "java/security/CodeSource");
        jclass u = k == NULL ? NULL : (*jni)->FindClass(jni, "java/net/URL");

        if (u != NULL) {
            get_cs = (*jni)->GetMethodID(jni, p, "getCodeSource", "()Ljava/security/CodeSource;");
            get_location = (*jni)->GetMethodID(jni, k, "getLocation", "()Ljava/net/URL;");
            to_string = (*jni)->GetMethodID(jni, u, "toExternalForm", "()Ljava/lang/String;");
            if (get_cs != NULL && get_location != NULL && to_string != NULL)
                get_pd = (*jni)->GetMethodID(jni, c, "getProtectionDomain",
                                             "()Ljava/security/ProtectionDomain;");
        }
        ml_jni_clear(jni);
        if (c != NULL)
            (*jni)->DeleteLocalRef(jni, c);
        if (p != NULL)
            (*jni)->DeleteLocalRef(jni, p);
        if (k != NULL)
            (*jni)->DeleteLocalRef(jni, k);
        if (u != NULL)
            (*jni)->DeleteLocalRef(jni, u);
    }
    if (get_pd == NULL || cls == NULL)
        return NULL;
    pd = (*jni)->CallObjectMethod(jni, cls, get_pd);
    if (ml_jni_clear(jni) || pd == NULL)
        goto cleanup;
    cs = (*jni)->CallObjectMethod(jni, pd, get_cs);
    if (ml_jni_clear(jni) || cs == NULL)
        goto cleanup;
    loc = (*jni)->CallObjectMethod(jni, cs, get_location);
    if (ml_jni_clear(jni) || loc == NULL)
        goto cleanup;
    text = (jstring)(*jni)->CallObjectMethod(jni, loc, to_string);
    if (ml_jni_clear(jni))
        text = NULL;
    out = ml_jni_strdup(jni, text);
cleanup:
    if (text != NULL)
        (*jni)->DeleteLocalRef(jni, text);
    if (loc != NULL)
        (*jni)->DeleteLocalRef(jni, loc);
    if (cs != NULL)
        (*jni)->DeleteLocalRef(jni, cs);
    if (pd != NULL)
        (*jni)->DeleteLocalRef(jni, pd);
    return out;
}
