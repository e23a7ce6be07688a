/* The per-loader workload of metaleak's overhead benchmark (bench/run.sh, phase `loaders`;
 * issue 17): many small URLClassLoaders, each loading a few dozen classes from a directory of
 * class files, then closed and dropped, as a job framework does per task. Written apart from
 * the test suite and from DefineBench: the classes come from real class files through
 * URLClassPath (no defineClass from bytes), and the program itself uses no java.lang.management
 * (a configuration without the agent loads no JMX class).
 *
 * Usage: java DirLoaderBench DIR [key=value ...]
 *   DIR             a directory of class files p/C0.class .. p/C{classes-1}.class
 *   loaders=300     loaders in the timed loop
 *   classes=73      classes each loader loads (Class.forName(name, true, loader))
 *   warmup=30       loaders before the timed loop (the JIT compiles the loading path)
 *
 * Output: a line starting with "RESULT " of key=value pairs that run.sh parses: loop_ms (the
 * timed loop, inside the JVM), loaders, classes, worker_cpu_ms (CPU of the agent's "metaleak"
 * thread during the loop, from /proc/self/task; -1 without the agent) and worker_cpu_late_ms
 * (the same over the loop's second half only: the steady state, without what the worker may
 * still be doing from the JVM's start). */
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

public final class DirLoaderBench {
    private static long sink;

    public static void main(String[] args) throws Exception {
        URL[] urls = {Paths.get(args[0]).toUri().toURL()};
        int loaders = 300, classes = 73, warmup = 30;
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            int v = Integer.parseInt(kv[1]);
            switch (kv[0]) {
                case "loaders": loaders = v; break;
                case "classes": classes = v; break;
                case "warmup": warmup = v; break;
                default: throw new IllegalArgumentException("unknown key " + kv[0]);
            }
        }
        String[] names = new String[classes];
        for (int c = 0; c < classes; c++) {
            names[c] = "p.C" + c;
        }
        ClassLoader parent = DirLoaderBench.class.getClassLoader();
        for (int l = 0; l < warmup; l++) {
            one(urls, parent, names);
        }
        double w0 = threadCpuMs("metaleak"), wh = -1;
        long t0 = System.nanoTime();
        for (int l = 0; l < loaders; l++) {
            if (l == loaders / 2) {
                wh = threadCpuMs("metaleak");
            }
            one(urls, parent, names);
        }
        long ns = System.nanoTime() - t0;
        double w1 = threadCpuMs("metaleak");
        System.out.printf("RESULT loop_ms=%.1f loaders=%d classes=%d worker_cpu_ms=%.2f "
                        + "worker_cpu_late_ms=%.2f late_loaders=%d sink=%d%n",
                ns / 1e6, loaders, classes, w0 < 0 ? -1.0 : w1 - w0, wh < 0 ? -1.0 : w1 - wh,
                loaders - loaders / 2, sink & 1);
    }

    /* One loader: load and initialise every class, use one, close, drop. */
    static void one(URL[] urls, ClassLoader parent, String[] names) throws Exception {
        URLClassLoader l = new URLClassLoader(urls, parent);
        for (String n : names) {
            Class<?> c = Class.forName(n, true, l);
            sink += c.getName().length();
        }
        sink += l.loadClass(names[names.length - 1]).getDeclaredConstructor().newInstance().hashCode();
        l.close();
    }

    /* CPU time (ms) of the threads whose native name is `name`, from
     * /proc/self/task/N/schedstat (ns on CPU); -1 if there is none. */
    static double threadCpuMs(String name) throws IOException {
        double ms = -1;
        try (java.util.stream.Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(t.resolve("comm")).trim().equals(name)) {
                        continue;
                    }
                    double m = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]) / 1e6;
                    ms = Math.max(ms, 0) + m;
                } catch (IOException e) {
                    /* the thread ended */
                }
            }
        }
        return ms;
    }
}
