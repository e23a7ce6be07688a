/* Class-load-heavy workload for metaleak's overhead benchmark (bench/run.sh).
 *
 * Each round creates `loaders` URLClassLoaders (no URLs, parent = this class's loader); each
 * defines `classes` classes with unique names from one ~2.8 KB template (MlTmpl00000000, 8
 * methods, 7 fields), links and initialises each with Class.forName(name, true, loader) and
 * calls a method on the instance its static initializer created; optionally `hidden` hidden
 * classes per loader (Lookup.defineHiddenClass, not strong: each gets a JVMTI tag from the
 * agent). Then the loaders are closed and dropped. `warmup` rounds are run first, `rounds`
 * rounds are measured. Runs on JDK 17+ (no java.lang.classfile).
 *
 * Usage: java DefineBench [key=value ...]
 *   loaders=50 classes=100 hidden=0 rounds=10 warmup=3
 *   gc=none|round    System.gc() after each round (outside the timed part)
 *   live=0           loaders created before the first round and kept alive to the end, each
 *                    with 1 class and `hidden` hidden classes (tags that every GC must process)
 *   mode=define|memory|startup
 *     startup: nothing at all (JVM start and exit, for the agent's fixed cost)
 *     memory: define once, keep every loader alive, wait `settle` ms (the agent's worker
 *     describes new loaders within 500 ms), then print RSS, NMT malloc (if NMT is on) and
 *     glibc malloc statistics (if bench/c/mallinfo_probe.so is preloaded, see run.sh)
 *   settle=2000
 *   idle=3000        memory mode: then CPU time of the agent's "metaleak" thread over idle ms
 *
 * Output: one "round ..." line per round, then a line starting with "RESULT " of key=value
 * pairs that run.sh parses. */
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

public final class DefineBench {
    static final String TEMPLATE_NAME = "MlTmpl00000000";
    static final int DIGITS = 8;
    static final String PREFIX = TEMPLATE_NAME.substring(0, TEMPLATE_NAME.length() - DIGITS);

    /* A plain URLClassLoader subclass, so that the agent sees what Flink uses. */
    static final class BenchLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        BenchLoader(String name, ClassLoader parent) {
            super(name, new URL[0], parent);
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    private static byte[] template;
    private static int[] nameOffsets;
    private static long nextId = 1;
    private static long sink;

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> m = new HashMap<>();
        m.put("loaders", "50");
        m.put("classes", "100");
        m.put("hidden", "0");
        m.put("rounds", "10");
        m.put("warmup", "3");
        m.put("gc", "none");
        m.put("mode", "define");
        m.put("settle", "2000");
        m.put("live", "0");
        m.put("idle", "3000");
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0 || !m.containsKey(a.substring(0, eq))) {
                throw new IllegalArgumentException("unknown argument '" + a + "', known: " + m.keySet());
            }
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return m;
    }

    static void loadTemplate() throws IOException {
        try (InputStream in = DefineBench.class.getResourceAsStream("/" + TEMPLATE_NAME + ".class")) {
            template = in.readAllBytes();
        }
        byte[] needle = TEMPLATE_NAME.getBytes(StandardCharsets.US_ASCII);
        List<Integer> offs = new ArrayList<>();
        outer:
        for (int i = 0; i + needle.length <= template.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (template[i + j] != needle[j]) {
                    continue outer;
                }
            }
            offs.add(i + PREFIX.length());
        }
        if (offs.isEmpty()) {
            throw new IllegalStateException("template name not found in the class file");
        }
        nameOffsets = offs.stream().mapToInt(Integer::intValue).toArray();
    }

    /* A copy of the template with the 8 digits of its name set to id; returns the bytes. */
    static byte[] patch(long id) {
        byte[] b = template.clone();
        for (int off : nameOffsets) {
            long v = id;
            for (int k = DIGITS - 1; k >= 0; k--) {
                b[off + k] = (byte) ('0' + (v % 10));
                v /= 10;
            }
        }
        return b;
    }

    static String nameOf(long id) {
        String digits = Long.toString(id);
        StringBuilder sb = new StringBuilder(TEMPLATE_NAME.length()).append(PREFIX);
        for (int i = digits.length(); i < DIGITS; i++) {
            sb.append('0');
        }
        return sb.append(digits).toString();
    }

    /* Defines, links, initialises and uses `classes` classes (and `hidden` hidden ones) in a
     * new loader. */
    static BenchLoader fill(int index, int classes, int hidden) throws Exception {
        BenchLoader loader = new BenchLoader("bench-" + index, DefineBench.class.getClassLoader());
        MethodHandles.Lookup lookup = null;
        for (int c = 0; c < classes; c++) {
            long id = nextId++;
            String name = nameOf(id);
            Class<?> k = loader.define(name, patch(id));
            Class<?> init = Class.forName(name, true, loader);
            if (init != k) {
                throw new IllegalStateException("forName returned another class");
            }
            sink += ((IntUnaryOperator) BenchSink.last).applyAsInt(c);
            BenchSink.last = null; /* or the last loader of a round stays reachable */
            if (lookup == null) {
                lookup = BenchSink.lookup;
            }
        }
        if (hidden > 0) {
            for (int h = 0; h < hidden; h++) {
                Class<?> k = lookup.defineHiddenClass(patch(nextId++), true).lookupClass();
                sink += ((IntUnaryOperator) BenchSink.last).applyAsInt(h) + k.hashCode();
                BenchSink.last = null;
            }
        }
        BenchSink.lookup = null;
        return loader;
    }

    static long vmRssKb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /* Sum of the "(malloc=NKB" figures and the tracking overhead of an NMT summary, in KB;
     * -1 when NMT is off. */
    static long[] nmtMallocKb() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary", "scale=KB"}},
                    new String[] {String[].class.getName()});
            String s = out.toString();
            if (!s.contains("Total:")) {
                return new long[] {-1, -1};
            }
            long malloc = 0;
            Matcher m = Pattern.compile("\\(malloc=(\\d+)KB").matcher(s);
            while (m.find()) {
                malloc += Long.parseLong(m.group(1));
            }
            long overhead = 0;
            Matcher o = Pattern.compile("tracking overhead=(\\d+)KB").matcher(s);
            if (o.find()) {
                overhead = Long.parseLong(o.group(1));
            }
            return new long[] {malloc, overhead};
        } catch (Exception e) {
            return new long[] {-1, -1};
        }
    }

    /* Asks bench/c/mallinfo_probe.so (LD_PRELOAD) for glibc's mallinfo2: in-use bytes. */
    static long probeMallocBytes() throws Exception {
        String trig = System.getenv("ML_MALLINFO_TRIGGER");
        if (trig == null) {
            return -1;
        }
        trig = trig + "." + ProcessHandle.current().pid(); /* not the probe in /usr/bin/time */
        Path t = Paths.get(trig);
        Path out = Paths.get(trig + ".out");
        Files.deleteIfExists(out);
        Files.write(t, new byte[0]);
        for (int i = 0; i < 200 && !Files.exists(out); i++) {
            Thread.sleep(10); /* the probe polls every 10 ms and renames its answer into place */
        }
        if (!Files.exists(out)) {
            return -1;
        }
        String s = new String(Files.readAllBytes(out), StandardCharsets.US_ASCII).trim();
        Files.deleteIfExists(out);
        return Long.parseLong(s.split("\\s+")[0]);
    }

    static long gcTimeMs() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = parseArgs(args);
        int loaders = Integer.parseInt(o.get("loaders"));
        int classes = Integer.parseInt(o.get("classes"));
        int hidden = Integer.parseInt(o.get("hidden"));
        int rounds = Integer.parseInt(o.get("rounds"));
        int warmup = Integer.parseInt(o.get("warmup"));
        boolean gcRound = o.get("gc").equals("round");
        loadTemplate();
        if (classes < 1 || (long) loaders * (classes + hidden) * (rounds + warmup) > 99_999_999L) {
            throw new IllegalArgumentException("classes must be >= 1 and the total below 10^8");
        }
        if (o.get("mode").equals("startup")) {
            System.out.println("RESULT mode=startup");
            return;
        }
        if (o.get("mode").equals("memory")) {
            memory(loaders, classes, hidden, Long.parseLong(o.get("settle")), Long.parseLong(o.get("idle")));
            return;
        }
        int live = Integer.parseInt(o.get("live"));
        List<BenchLoader> kept = new ArrayList<>(live);
        for (int l = 0; l < live; l++) {
            kept.add(fill(l, 1, hidden));
        }
        long perRound = (long) loaders * (classes + hidden);
        double[] us = new double[rounds];
        long measuredNs = 0;
        double w0 = -1;
        for (int r = 0; r < warmup + rounds; r++) {
            if (r == warmup) {
                w0 = threadCpuMs("metaleak");
            }
            long t0 = System.nanoTime();
            List<BenchLoader> list = new ArrayList<>(loaders);
            for (int l = 0; l < loaders; l++) {
                list.add(fill(l, classes, hidden));
            }
            for (BenchLoader bl : list) {
                bl.close();
            }
            list.clear();
            long ns = System.nanoTime() - t0;
            double u = ns / 1000.0 / perRound;
            System.out.printf("round %d %s us_per_class=%.3f ms=%.1f%n", r, r < warmup ? "warmup" : "measured",
                    u, ns / 1e6);
            if (r >= warmup) {
                us[r - warmup] = u;
                measuredNs += ns;
            }
            if (gcRound) {
                System.gc();
            }
        }
        double w1 = threadCpuMs("metaleak");
        System.gc(); /* every closed loader is unloaded before exit, whatever the configuration */
        sink += kept.size();
        double[] sorted = us.clone();
        Arrays.sort(sorted);
        ClassLoadingMXBean cl = ManagementFactory.getClassLoadingMXBean();
        System.out.printf("RESULT us_per_class_mean=%.3f us_per_class_median=%.3f us_per_class_min=%.3f "
                        + "measured_ms=%.1f classes_per_round=%d rounds=%d gc_count=%d gc_time_ms=%d "
                        + "loaded=%d unloaded=%d worker_cpu_measured_ms=%.1f sink=%d%n",
                measuredNs / 1000.0 / (perRound * rounds), sorted[rounds / 2], sorted[0], measuredNs / 1e6,
                perRound, rounds, gcCount(), gcTimeMs(), cl.getTotalLoadedClassCount(),
                cl.getUnloadedClassCount(), w0 < 0 ? -1.0 : w1 - w0, sink & 1);
    }

    /* CPU time (ms) of the threads whose native name is `name` (the agent's worker is a JVMTI
     * agent thread, hidden from ThreadMXBean), from /proc/self/task/N/schedstat (ns on CPU) or,
     * without schedstat, utime + stime of /proc/self/task/N/stat (10 ms ticks); -1 if none. */
    static double threadCpuMs(String name) throws IOException {
        double ms = -1;
        try (java.util.stream.Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(t.resolve("comm")).trim().equals(name)) {
                        continue;
                    }
                    double m;
                    if (Files.exists(t.resolve("schedstat"))) {
                        m = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]) / 1e6;
                    } else {
                        String st = Files.readString(t.resolve("stat"));
                        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
                        m = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; /* USER_HZ 100 */
                    }
                    ms = Math.max(ms, 0) + m;
                } catch (IOException e) {
                    /* the thread ended */
                }
            }
        }
        return ms;
    }

    static void memory(int loaders, int classes, int hidden, long settleMs, long idleMs) throws Exception {
        System.gc();
        Thread.sleep(settleMs);
        long rss0 = vmRssKb();
        long[] nmt0 = nmtMallocKb();
        long mi0 = probeMallocBytes();
        List<BenchLoader> keep = new ArrayList<>(loaders);
        long t0 = System.nanoTime();
        for (int l = 0; l < loaders; l++) {
            keep.add(fill(l, classes, hidden));
        }
        long ns = System.nanoTime() - t0;
        System.out.printf("defined %d loaders in %.1f ms%n", loaders, ns / 1e6);
        System.out.flush();
        System.gc();
        Thread.sleep(settleMs); /* the agent's worker describes the new loaders */
        long rss1 = vmRssKb();
        long[] nmt1 = nmtMallocKb();
        long mi1 = probeMallocBytes();
        double w0 = threadCpuMs("metaleak");
        long i0 = System.nanoTime();
        Thread.sleep(idleMs); /* the worker's passes over every record, every 500 ms */
        double w1 = threadCpuMs("metaleak");
        double idleS = (System.nanoTime() - i0) / 1e9;
        System.out.printf("RESULT mode=memory loaders=%d classes=%d hidden=%d define_ms=%.1f "
                        + "rss_before_kb=%d rss_after_kb=%d nmt_malloc_before_kb=%d nmt_malloc_after_kb=%d "
                        + "nmt_overhead_before_kb=%d nmt_overhead_after_kb=%d "
                        + "glibc_inuse_before=%d glibc_inuse_after=%d worker_cpu_ms=%.1f idle_s=%.2f sink=%d alive=%d%n",
                loaders, classes, hidden, ns / 1e6, rss0, rss1, nmt0[0], nmt1[0], nmt0[1], nmt1[1], mi0, mi1,
                w0 < 0 ? -1 : w1 - w0, idleS, sink & 1, keep.size());
        for (BenchLoader bl : keep) {
            bl.close();
        }
        keep.clear();
        System.gc();
    }
}
