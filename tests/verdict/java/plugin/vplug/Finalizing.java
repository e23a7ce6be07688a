package vplug;

/**
 * Item 7 of issue 15: a clean job whose resource class has a finalize() method (as the HTTP
 * connection managers of some SDKs do). When the JVM's Finalizer thread is busy, the dropped
 * resource waits in the finalization queue, and the loader is held only through it: not a leak.
 */
public class Finalizing implements Runnable {
    static volatile Object sink;

    @Override
    public void run() {
        sink = new Resource();
        sink = null;
    }

    static volatile int finalized;

    static final class Resource {
        /* Not empty: HotSpot does not register objects whose finalize() is empty. */
        @Override
        @SuppressWarnings("deprecation")
        protected void finalize() {
            finalized++;
        }
    }
}
