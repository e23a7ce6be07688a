package plug;

/**
 * Starts a daemon thread "mltest-leaky-thread" and never stops it: 2 classes (ThreadLeak,
 * ThreadLeak$Sleeper).
 */
public class ThreadLeak implements Runnable {
    @Override
    public void run() {
        Thread t = new Thread(new Sleeper(), "mltest-leaky-thread");
        t.setDaemon(true);
        t.start();
    }

    static final class Sleeper implements Runnable {
        @Override
        public void run() {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
