package mltest;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A long-lived pool owned by the host, like Flink's own threads that outlive a job. Its one
 * thread is "mltest-pool-0".
 */
public final class Pool {
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(1, 1, 0L,
            TimeUnit.MILLISECONDS, new LinkedBlockingQueue<Runnable>(), new Daemons());
    public static final ExecutorService EXECUTOR = POOL;

    private Pool() {
    }

    /**
     * Starts the pool's thread from host code. Host.main calls it before any deployment: a thread
     * started while plugin code is on the stack would capture the plugin's ProtectionDomain
     * (Thread.inheritedAccessControlContext, JDK 17) and pin that plugin's loader by itself.
     */
    public static void start() {
        POOL.prestartAllCoreThreads();
    }

    static final class Daemons implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "mltest-pool-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        }
    }
}
