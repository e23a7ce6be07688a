package mltest;

/**
 * JNI global references held by native code (tests/agent/native/mlglobal.c), like a native
 * library that keeps a callback object. The library's path is the system property mltest.jni.
 */
public final class Native {
    static {
        String path = System.getProperty("mltest.jni");
        if (path == null) {
            throw new IllegalStateException("system property mltest.jni is not set (the path of"
                    + " the mlglobal library, tests/agent/native)");
        }
        System.load(path);
    }

    private Native() {
    }

    /** Keeps a JNI global reference to o until release(o). */
    public static synchronized native void hold(Object o);

    /** Deletes the global reference hold(o) made; false if there was none. */
    public static synchronized native boolean release(Object o);
}
