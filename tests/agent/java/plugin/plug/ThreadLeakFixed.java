package plug;

/**
 * ThreadLeak done right: the thread "mltest-fixed-thread" is interrupted and joined before the
 * plugin returns. 2 classes (ThreadLeakFixed, ThreadLeakFixed$Sleeper).
 */
public class ThreadLeakFixed implements Runnable {
    @Override
    public void run() {
        Thread t = new Thread(new Sleeper(), "mltest-fixed-thread");
        t.setDaemon(true);
        t.start();
        t.interrupt();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
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
