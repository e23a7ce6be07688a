import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * THREADS threads each create LOADERS_PER_THREAD loaders over the plugin directory, define all
 * ten plugin classes in each, close it, and keep every KEEP_EVERY-th loader's class alive in a
 * static list (a leak); the rest are dropped. Meanwhile another thread calls System.gc()
 * repeatedly. Prints "ready" and, with --wait FILE, waits for FILE before starting (so that the
 * agent can be attached while the threads run).
 */
public final class Stress {
    static final List<Object> KEPT = Collections.synchronizedList(new ArrayList<>());

    public static void main(String[] args) throws Exception {
        URL plugin = Paths.get(args[0]).toUri().toURL();
        int threads = Integer.parseInt(args[1]);
        int perThread = Integer.parseInt(args[2]);
        int keepEvery = Integer.parseInt(args[3]);
        String waitFor = args.length > 5 && args[4].equals("--attach-after") ? args[5] : null;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        URLClassLoader l = new URLClassLoader(new URL[] {plugin},
                                Stress.class.getClassLoader());
                        Object last = null;
                        for (int c = 0; c < 10; c++) {
                            Class<?> k = Class.forName("plug.C" + c, true, l);
                            Method m = k.getMethod("value");
                            last = m.invoke(k.getDeclaredConstructor().newInstance());
                            last = k;
                        }
                        l.close();
                        if ((id * perThread + i) % keepEvery == 0) {
                            KEPT.add(last);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "definer-" + t);
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
        }, "gc-caller");
        gc.setDaemon(true);
        System.out.println("ready");
        System.out.flush();
        start.countDown();
        if (waitFor != null) {
            // the test attaches the agent now, while the definers run
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Files.exists(Paths.get(waitFor)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
        }
        gc.start();
        for (Thread w : workers) {
            w.join();
        }
        done.set(true);
        System.out.println("kept " + KEPT.size());
    }
}
