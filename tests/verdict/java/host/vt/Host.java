package vt;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * The host of the verdict scenarios: each deployment gets its own URLClassLoader over the
 * plugin jar, named "vt-KIND-N", runs one plugin class (vplug.KIND) with that loader as the
 * thread's context class loader (as a Flink task thread does), restores the context loader,
 * closes the loader and drops it.
 *
 * Usage: Host PLUGIN_JAR [--no-tccl] [--gc-in-run] [--sleep MS] STEP...
 *   STEP is KIND:COUNT (deploy vplug.KIND COUNT times), "gc" (the --gc-in-run sequence now),
 *   "sleep:MS", "busy:MS" (keep the JVM's Finalizer thread busy for MS ms from now) or "heap:N"
 *   (keep N small objects: every heap walk of a path search takes longer)
 *   --no-tccl    do not make the loader the context class loader while the plugin runs (then
 *                threads the plugin creates do not inherit it)
 *   --gc-in-run  after the deployments: 1.5 s (the agent polls closes every 0.5 s), then
 *                System.gc(), finalization, System.gc(): the proof comes during the run
 *   --sleep MS   after the deployments (and --gc-in-run), sleep MS ms before main returns
 */
public final class Host {
    static final java.util.List<Object> BALLAST = new java.util.ArrayList<>();

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        boolean gcInRun = false;
        boolean tccl = true;
        long sleepMs = 0;
        int i = 1;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            if (args[i].equals("--no-tccl")) {
                tccl = false;
            } else if (args[i].equals("--gc-in-run")) {
                gcInRun = true;
            } else if (args[i].equals("--sleep")) {
                sleepMs = Long.parseLong(args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int n = 0;
        for (; i < args.length; i++) {
            if (args[i].equals("gc")) {
                collect();
                continue;
            }
            if (args[i].startsWith("sleep:")) {
                Thread.sleep(Long.parseLong(args[i].substring(6)));
                continue;
            }
            if (args[i].startsWith("heap:")) {
                int objects = Integer.parseInt(args[i].substring(5));
                Object[] heap = new Object[objects];
                for (int k = 0; k < objects; k++) {
                    heap[k] = new int[1];
                }
                BALLAST.add(heap);
                continue;
            }
            if (args[i].startsWith("busy:")) {
                SlowFinalizer.occupy(Long.parseLong(args[i].substring(5)));
                continue;
            }
            String[] kindCount = args[i].split(":");
            int count = Integer.parseInt(kindCount[1]);
            for (int k = 0; k < count; k++) {
                deploy(jar, kindCount[0], n++, tccl);
            }
        }
        if (gcInRun) {
            collect();
        }
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        System.out.println("done");
    }

    /** The first full collection after a close only queues finalizable objects; the second
     * proves (the agent polls closes every 0.5 s). */
    static void collect() throws InterruptedException {
        Thread.sleep(1500);
        System.gc();
        System.runFinalization();
        Thread.sleep(700);
        System.gc();
        Thread.sleep(700);
    }

    static void deploy(URL jar, String kind, int n, boolean tccl) throws Exception {
        URLClassLoader loader = new URLClassLoader("vt-" + kind + "-" + n, new URL[] {jar},
                Host.class.getClassLoader());
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        if (tccl) {
            self.setContextClassLoader(loader);
        }
        try {
            Runnable plugin = (Runnable) loader.loadClass("vplug." + kind)
                    .getDeclaredConstructor().newInstance();
            plugin.run();
        } finally {
            self.setContextClassLoader(before);
        }
        loader.close();
    }
}
