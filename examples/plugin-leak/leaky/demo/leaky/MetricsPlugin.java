package demo.leaky;

/**
 * Starts a background reporter thread and never stops it: the thread's class and Runnable
 * belong to this plugin's loader, so the loader (and every class it defined) outlives the
 * deployment.
 */
public class MetricsPlugin implements Runnable {
    @Override
    public void run() {
        Thread reporter = new Thread(new Reporter(), "metrics-reporter");
        reporter.setDaemon(true);
        reporter.start();
    }

    static final class Reporter implements Runnable {
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
