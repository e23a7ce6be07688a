package vt;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Native code that holds an object for a while, as a library does during a call or until its
 * callback completes: mltest.Native (tests/agent/native) keeps a JNI global reference to it, and
 * a host thread deletes that reference MS ms later (holding the object meanwhile only in a local
 * variable).
 */
public final class NativeLater {
    private static final BlockingQueue<Object> HANDOFF = new ArrayBlockingQueue<>(1);

    private NativeLater() {
    }

    /** Holds o with a JNI global reference now and releases it after ms. */
    public static void holdFor(Object o, long ms) throws InterruptedException {
        mltest.Native.hold(o);
        HANDOFF.put(o);
        Thread t = new Thread(NativeLater::releaseLater, "vt-native-release-" + ms);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
    }

    private static void releaseLater() {
        try {
            Object mine = HANDOFF.take();
            long ms = Long.parseLong(Thread.currentThread().getName().substring(18));
            Thread.sleep(ms);
            mltest.Native.release(mine);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
