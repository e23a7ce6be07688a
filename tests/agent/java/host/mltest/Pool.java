package mltest;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/** A long-lived pool owned by the host, like Flink's own threads that outlive a job. */
public final class Pool {
    public static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(new Daemons());

    private Pool() {
    }

    static final class Daemons implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "host-pool");
            t.setDaemon(true);
            return t;
        }
    }
}
