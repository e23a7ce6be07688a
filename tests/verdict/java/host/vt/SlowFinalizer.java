package vt;

/**
 * Keeps the JVM's Finalizer thread busy: an object whose finalize() sleeps. Host.main makes some
 * garbage of it (the step "busy:MS") so that finalizable objects of a job wait in the queue.
 */
public final class SlowFinalizer {
    private final long ms;

    private SlowFinalizer(long ms) {
        this.ms = ms;
    }

    /** Leaves one SlowFinalizer as garbage, collects, and waits until its finalize() runs. */
    public static void occupy(long ms) throws InterruptedException {
        new SlowFinalizer(ms);
        for (int i = 0; i < 50 && !started; i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    static volatile boolean started;

    @Override
    @SuppressWarnings("deprecation")
    protected void finalize() throws InterruptedException {
        started = true;
        Thread.sleep(ms);
    }
}
