package demo.clean;

/** The same plugin with the fix: the reporter thread is stopped in close(). */
public class MetricsPlugin implements Runnable, AutoCloseable {
    private Thread reporter;

    @Override
    public void run() {
        reporter = new Thread(new Reporter(), "metrics-reporter");
        reporter.setDaemon(true);
        reporter.start();
    }

    @Override
    public void close() throws InterruptedException {
        reporter.interrupt();
        reporter.join();
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
