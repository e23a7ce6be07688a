package plug;

/**
 * Has native code keep a JNI global reference to the plugin object (mltest.Native.hold) and never
 * releases it: 1 class.
 */
public class JniGlobalLeak implements Runnable {
    @Override
    public void run() {
        mltest.Native.hold(this);
    }
}
