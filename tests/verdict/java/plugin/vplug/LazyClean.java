package vplug;

/**
 * Defect 5: the job's code submits a task to a pool of the parent loader (vt.LazyPool.CLEAN),
 * whose thread is created lazily by this first submission. The task itself is not kept.
 */
public class LazyClean implements Runnable {
    @Override
    public void run() {
        try {
            vt.LazyPool.CLEAN.runAndWait(new Work());
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
