package job;

import kltest.Job;

/**
 * A leak of the job's own code, in no library: a polling thread the job starts and never stops
 * (the fix: interrupt and join it in close()). No known-leaks entry may claim it.
 */
public final class OwnThreadJob implements Job {
    @Override
    public void run(boolean fixed) throws InterruptedException {
        Thread poller = new Thread(new Poll(), "job-poller");
        poller.setDaemon(true);
        poller.start();
        if (fixed) {
            poller.interrupt();
            poller.join();
        }
    }

    private static final class Poll implements Runnable {
        @Override
        public void run() {
            try {
                while (true) {
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                // stopped by close()
            }
        }
    }
}
