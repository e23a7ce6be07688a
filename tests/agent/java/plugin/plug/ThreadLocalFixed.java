package plug;

import java.util.concurrent.ExecutionException;

/**
 * ThreadLocalLeak done right: the task removes its ThreadLocal value from the host's pooled
 * thread ("mltest-pool-0") before it returns. 3 classes (ThreadLocalFixed, ThreadLocalFixed$Task,
 * ThreadLocalFixed$Value).
 */
public class ThreadLocalFixed implements Runnable {
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
            try {
                CONTEXT.get().hashCode();
            } finally {
                CONTEXT.remove();
            }
        }
    }

    static final class Value {
    }
}
