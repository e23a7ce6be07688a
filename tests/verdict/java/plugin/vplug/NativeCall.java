package vplug;

/**
 * Item 7 of issue 15: native code holds an object of the job through a JNI global reference for
 * 2.5 s after the job ended (vt.NativeLater), then lets go: not a leak.
 */
public class NativeCall implements Runnable {
    @Override
    public void run() {
        try {
            vt.NativeLater.holdFor(new Token(), 2500);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Token {
    }
}
