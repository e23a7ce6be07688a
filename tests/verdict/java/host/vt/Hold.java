package vt;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * Defect 1, deterministic: a thread creates a loader, uses it, closes it, and keeps it in a
 * local variable for HOLD_MS more (busy, as a slow task would) while another thread forces a full
 * collection every 50 ms; then it drops it and the loader is garbage. A second loader is leaked
 * for real (a static field keeps one of its classes): it must still be reported.
 *
 * Usage: Hold PLUGIN_JAR HOLD_MS [TAIL_MS]
 *   TAIL_MS  how long main goes on after the held loader was dropped (default 1500): while it
 *            does, the leaked loader must show up in the agent's reports
 */
public final class Hold {
    static volatile Object sink;
    static final java.util.List<Object> KEPT = new java.util.ArrayList<>();

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        long holdMs = Long.parseLong(args[1]);
        long tailMs = args.length > 2 ? Long.parseLong(args[2]) : 1500;
        Thread gc = new Thread(() -> {
            while (true) {
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

        URLClassLoader leaked = new URLClassLoader("vt-leaked", new URL[] {jar},
                Hold.class.getClassLoader());
        KEPT.add(Class.forName("vplug.Clean", true, leaked));
        leaked.close();

        Thread user = new Thread(() -> {
            try {
                URLClassLoader held = new URLClassLoader("vt-held", new URL[] {jar},
                        Hold.class.getClassLoader());
                Runnable r = (Runnable) held.loadClass("vplug.Clean").getDeclaredConstructor()
                        .newInstance();
                r.run();
                held.close();
                long end = System.nanoTime() + holdMs * 1_000_000L;
                long x = 0;
                while (System.nanoTime() < end) {
                    x += System.identityHashCode(held) & 1; // still using it
                }
                sink = held.getName() + x;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "vt-user");
        user.start();
        user.join();
        sink = null;
        Thread.sleep(tailMs); // the held loader is garbage now; collections go on
        System.out.println("done");
    }
}
