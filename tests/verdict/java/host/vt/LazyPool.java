package vt;

import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A library pool of the parent loader (Flink's lib/) that creates its one worker thread lazily,
 * the first time someone submits: the shape of FLINK-25023, Hadoop's
 * StatisticsDataReferenceCleaner and Netty's GlobalEventExecutor. The thread is created on the
 * submitting thread, so it inherits that thread's context class loader and (JDK 23 and older)
 * the ProtectionDomains on its stack through Thread.inheritedAccessControlContext.
 *
 * Four pools, one per way of creating the thread:
 *   NAIVE   new Thread(r): inherits the context loader and the access control context
 *   PRIV    inside AccessController.doPrivileged from this class: the access control context
 *           holds only this class's domain; the context loader is still inherited
 *   CCL     new Thread(r) and setContextClassLoader(this library's loader): the context loader
 *           is clean; the access control context is still inherited
 *   CLEAN   both fixes: nothing of the submitter is kept
 */
public final class LazyPool {
    public static final LazyPool NAIVE = new LazyPool("vt-lazy-naive", false, false);
    public static final LazyPool PRIV = new LazyPool("vt-lazy-priv", true, false);
    public static final LazyPool CCL = new LazyPool("vt-lazy-ccl", false, true);
    public static final LazyPool CLEAN = new LazyPool("vt-lazy-clean", true, true);

    private final String name;
    private final boolean privileged;
    private final boolean resetCcl;
    private ThreadPoolExecutor pool;

    private LazyPool(String name, boolean privileged, boolean resetCcl) {
        this.name = name;
        this.privileged = privileged;
        this.resetCcl = resetCcl;
    }

    /** Runs task on the pool's thread and waits for it. */
    public void runAndWait(Runnable task) throws Exception {
        Future<?> f = executor().submit(task);
        f.get(30, TimeUnit.SECONDS);
    }

    private synchronized ThreadPoolExecutor executor() {
        if (pool == null) {
            pool = new ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<Runnable>(), new Factory());
        }
        return pool;
    }

    private final class Factory implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = privileged
                    ? AccessController.doPrivileged((PrivilegedAction<Thread>) () -> create(r))
                    : create(r);
            return t;
        }

        private Thread create(Runnable r) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            if (resetCcl) {
                t.setContextClassLoader(LazyPool.class.getClassLoader());
            }
            return t;
        }
    }
}
