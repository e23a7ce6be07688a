/* JNI library for the agent's integration tests (host class mltest.Native): native code that
 * keeps objects alive through JNI global references, like a native library holding a callback.
 * Both natives are `static synchronized` in Java, so the table needs no lock of its own. */
#include <jni.h>
#include <stddef.h>

#define ML_SLOTS 256

static jobject held[ML_SLOTS];

JNIEXPORT void JNICALL Java_mltest_Native_hold(JNIEnv *env, jclass cls, jobject obj);
JNIEXPORT jboolean JNICALL Java_mltest_Native_release(JNIEnv *env, jclass cls, jobject obj);

JNIEXPORT void JNICALL Java_mltest_Native_hold(JNIEnv *env, jclass cls, jobject obj)
{
    for (size_t i = 0; i < ML_SLOTS; i++) {
        if (held[i] == NULL) {
            held[i] = (*env)->NewGlobalRef(env, obj);
            if (held[i] == NULL && !(*env)->ExceptionCheck(env))
                (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"),
                                 "mlglobal: NewGlobalRef failed");
            return;
        }
    }
    (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/IllegalStateException"),
                     "mlglobal: all global reference slots are in use");
}

JNIEXPORT jboolean JNICALL Java_mltest_Native_release(JNIEnv *env, jclass cls, jobject obj)
{
    for (size_t i = 0; i < ML_SLOTS; i++) {
        if (held[i] != NULL && (*env)->IsSameObject(env, held[i], obj)) {
            (*env)->DeleteGlobalRef(env, held[i]);
            held[i] = NULL;
            return JNI_TRUE;
        }
    }
    return JNI_FALSE;
}
