package vplug;

/**
 * Item 7 of issue 15: a thread the job starts and never stops, running a Runnable of the job,
 * with the job's loader as its context class loader (inherited from the task thread). The
 * context class loader and the Runnable are equally close to the thread (one field; the
 * Runnable two on JDK 19 and later, through Thread.holder): the path must name the job's
 * Runnable, which says what to stop, not the loader.
 */
public class ThreadTccl implements Runnable {
    @Override
    public void run() {
        Thread t = new Thread(new Sleeper(), "vt-sleeper-" + vt.Counter.next());
        t.setDaemon(true);
        t.start();
    }

    static final class Sleeper implements Runnable {
        @Override
        public void run() {
            while (true) {
                try {
                    Thread.sleep(60_000L);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
