/* Small JNI helpers (see jniutil.h). */
#include "jniutil.h"

#include <stdlib.h>
#include <string.h>

bool ml_jni_clear(JNIEnv *jni)
{
    if (!(*jni)->ExceptionCheck(jni))
        return false;
    (*jni)->ExceptionClear(jni);
    return true;
}

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
