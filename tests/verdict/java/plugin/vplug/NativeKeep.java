package vplug;

/** Native code keeps an object of the job through a JNI global reference for good: a leak. */
public class NativeKeep implements Runnable {
    @Override
    public void run() {
        mltest.Native.hold(new Token());
    }

    static final class Token {
    }
}
