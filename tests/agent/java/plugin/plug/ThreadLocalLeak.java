package plug;

import java.util.concurrent.ExecutionException;

/**
 * Sets a ThreadLocal on the host's pooled thread ("mltest-pool-0") and never removes it: 3 classes
 * (ThreadLocalLeak, ThreadLocalLeak$Task, ThreadLocalLeak$Value).
 */
public class ThreadLocalLeak implements Runnable {
    @Override
    public void run() {
        try {
            mltest.Pool.EXECUTOR.submit(new Task()).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Task implements Runnable {
        private static final ThreadLocal<Object> CONTEXT = new ThreadLocal<>();

        @Override
        public void run() {
            CONTEXT.set(new Value());
        }
    }

    static final class Value {
    }
}
