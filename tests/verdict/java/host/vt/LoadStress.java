package vt;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Defect 1 under load: THREADS threads each create PER_THREAD loaders over the plugin jar
 * (named "vt-keep-T-I" or "vt-drop-T-I"), define ten classes in each, run one plugin object,
 * close the loader and go on to the next one: the closed loader stays in the thread's locals
 * until the next loader replaces it. Every KEEP_EVERY-th loader is leaked for real (a static list
 * keeps one of its classes). Meanwhile a thread forces a full collection every 50 ms
 * (System.gc()). Only the "vt-keep-" loaders may be reported leaked.
 *
 * Usage: LoadStress PLUGIN_JAR THREADS PER_THREAD KEEP_EVERY [POST_CLOSE_MS]
 *   POST_CLOSE_MS  after close(), the thread goes on working for that long (busy, the loader
 *                  still in its locals) before the next loader: a task that releases its loader
 *                  and then finishes its own bookkeeping (default 0)
 */
public final class LoadStress {
    static final List<Object> KEPT = Collections.synchronizedList(new ArrayList<>());
    static final String[] CLASSES = {"vplug.Clean", "vplug.HandlerChain",
        "vplug.HandlerChain$Handler", "vplug.RunnableHook", "vplug.RunnableHook$Task",
        "vplug.LazyNaive", "vplug.LazyNaive$Work", "vplug.LazyPriv", "vplug.LazyPriv$Work",
        "vplug.LazyCcl"};

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        int threads = Integer.parseInt(args[1]);
        int perThread = Integer.parseInt(args[2]);
        int keepEvery = Integer.parseInt(args[3]);
        long postCloseNs = args.length > 4 ? Long.parseLong(args[4]) * 1_000_000L : 0L;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        boolean keep = (id * perThread + i) % keepEvery == 0;
                        URLClassLoader l = new URLClassLoader(
                                (keep ? "vt-keep-" : "vt-drop-") + id + "-" + i,
                                new URL[] {jar}, LoadStress.class.getClassLoader());
                        Object last = null;
                        for (String c : CLASSES) {
                            last = Class.forName(c, true, l);
                        }
                        ((Runnable) Class.forName("vplug.Clean", true, l)
                                .getDeclaredConstructor().newInstance()).run();
                        l.close();
                        if (keep) {
                            KEPT.add(last);
                        }
                        long end = System.nanoTime() + postCloseNs;
                        long x = 0;
                        while (System.nanoTime() < end) {
                            x += System.identityHashCode(l) & 1;
                        }
                        if (x < 0) {
                            System.out.println(l);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "vt-definer-" + t);
            workers.add(w);
            w.start();
        }
        Thread gc = new Thread(() -> {
            while (!done.get()) {
                System.gc();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "vt-gc");
        gc.setDaemon(true);
        gc.start();
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        done.set(true);
        System.out.println("kept " + KEPT.size());
    }
}
