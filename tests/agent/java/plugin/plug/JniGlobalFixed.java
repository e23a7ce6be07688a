package plug;

/** JniGlobalLeak done right: the JNI global reference is deleted again. 1 class. */
public class JniGlobalFixed implements Runnable {
    @Override
    public void run() {
        mltest.Native.hold(this);
        if (!mltest.Native.release(this)) {
            throw new IllegalStateException("no global reference to release");
        }
    }
}
