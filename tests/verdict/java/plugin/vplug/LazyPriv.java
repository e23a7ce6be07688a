package vplug;

/**
 * Defect 5: the job's code submits a task to a pool of the parent loader (vt.LazyPool.PRIV),
 * whose thread is created lazily by this first submission. The task itself is not kept.
 */
public class LazyPriv implements Runnable {
    @Override
    public void run() {
        try {
            vt.LazyPool.PRIV.runAndWait(new Work());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Work implements Runnable {
        @Override
        public void run() {
        }
    }
}
