package kltest;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The host of the known-library-leak tests: a stand-in for a Flink TaskManager or JobManager.
 * Each submission gets a fresh loader over the job jar(s), runs one job class the way Flink runs
 * user code (on a task thread whose context class loader is a SafetyNet wrapper of the job's
 * loader, or on a long-lived host pool thread), then closes and drops the loader. Libraries on this JVM's class path play
 * Flink's lib/.
 *
 * Usage: Host --class NAME [--fixed] [--count N] [--thread task|pool] [--loader child-first|parent-first]
 *             [--no-safety-net] [--sleep MS] [--settle] [--fake-postgres] [--threads] [--dump FILE] [--init CLASS]... JAR...
 *   --no-safety-net the job's threads get the job's loader itself as their context class loader
 *                   (classloader.check-leaked-classloader: false); by default they get a wrapper
 *                   that lets go of it when the job is released, as Flink's SafetyNet does
 *   --thread task   (default) a new thread per submission that ends with it, like a Flink Task
 *   --thread pool   one host thread that outlives every job, like Flink's jobmanager-io pool
 *   --sleep MS      wait after the submissions (lets transient library threads end)
 *   --init CLASS[#method]  initialise a class of the host class path (lib/) from host code
 *                   before any job (and call its static no-argument method), like Flink's own
 *                   start-up or a leak-prevention pre-initialiser: its static threads and caches
 *                   then capture nothing of a job
 *   --fake-postgres start a minimal PostgreSQL server (port in kltest.postgres.port)
 *   --settle        then collect and run finalizers three times (a TaskManager that has run a
 *                   while), so that objects waiting for finalization are gone at exit
 *   --dump FILE     write a heap dump (live objects) at the end, for hprof_paths.py
 *   --threads       print the live threads at the end (for debugging a scenario)
 */
public final class Host {
    private static final ExecutorService POOL = new ThreadPoolExecutor(1, 1, 0L,
            TimeUnit.MILLISECONDS, new LinkedBlockingQueue<Runnable>(), r -> {
                Thread t = new Thread(r, "host-pool-0");
                t.setDaemon(true);
                return t;
            });

    public static void main(String[] args) throws Exception {
        String className = null;
        boolean fixed = false;
        boolean childFirst = true;
        boolean pool = false;
        int count = 2;
        long sleepMs = 0;
        boolean threads = false;
        boolean settle = false;
        boolean safetyNet = true;
        String dump = null;
        List<String> inits = new ArrayList<>();
        List<URL> jars = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--class": className = args[++i]; break;
                case "--fixed": fixed = true; break;
                case "--count": count = Integer.parseInt(args[++i]); break;
                case "--sleep": sleepMs = Long.parseLong(args[++i]); break;
                case "--thread": pool = args[++i].equals("pool"); break;
                case "--loader": childFirst = args[++i].equals("child-first"); break;
                case "--no-safety-net": safetyNet = false; break;
                case "--threads": threads = true; break;
                case "--settle": settle = true; break;
                case "--fake-postgres":
                    System.setProperty("kltest.postgres.port", Integer.toString(FakePostgres.start()));
                    break;
                case "--dump": dump = args[++i]; break;
                case "--init": inits.add(args[++i]); break;
                default: jars.add(Paths.get(args[i]).toUri().toURL());
            }
        }
        if (className == null || jars.isEmpty()) {
            throw new IllegalArgumentException("usage: Host --class NAME [options] JAR...");
        }
        // Started from host code before any job: a thread started while job code is on the
        // stack would capture the job's ProtectionDomain (JDK <= 23) and pin its loader itself.
        POOL.submit(() -> { }).get();
        for (String name : inits) {
            init(name);
        }
        for (int n = 0; n < count; n++) {
            submit(jars.toArray(new URL[0]), className, fixed, childFirst, pool, safetyNet, n);
        }
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        if (settle) {
            // Objects of the jobs that wait for finalization (HttpClient's connection managers)
            // are finalized and collected before the agent's verdict at exit.
            for (int k = 0; k < 3; k++) {
                System.gc();
                System.runFinalization();
                Thread.sleep(300);
            }
        }
        System.out.println("submitted " + count);
        if (dump != null) {
            // After the agent's own work: a full GC, then the live objects.
            System.gc();
            java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class).dumpHeap(dump, true);
        }
        if (threads) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                System.out.println("thread '" + t.getName() + "' " + t.getClass().getName()
                                   + " tccl " + t.getContextClassLoader());
            }
        }
    }

    /** Initialises CLASS, or calls its static no-argument method: CLASS#method. */
    private static void init(String what) throws Exception {
        int hash = what.indexOf('#');
        Class<?> c = Class.forName(hash < 0 ? what : what.substring(0, hash), true,
                                   Host.class.getClassLoader());
        if (hash >= 0) {
            c.getMethod(what.substring(hash + 1)).invoke(null);
        }
    }

    /**
     * Starts and waits for one process: the JDK's "process reaper" thread is created by the first
     * process a JVM starts and keeps its creator's context class loader (JDK 17), so a host that
     * starts one first keeps jobs out of it (--init kltest.Host#startProcess).
     */
    public static void startProcess() throws Exception {
        new ProcessBuilder("true").start().waitFor();
    }

    private static void submit(URL[] jars, String className, boolean fixed, boolean childFirst,
                               boolean pool, boolean safetyNet, int n) throws Exception {
        ClassLoader parent = Host.class.getClassLoader();
        URLClassLoader real = childFirst ? new ChildFirstLoader(jars, parent)
                                         : new URLClassLoader(jars, parent);
        SafetyNetLoader wrapper = safetyNet ? new SafetyNetLoader(real) : null;
        ClassLoader loader = safetyNet ? wrapper : real;
        Job job = (Job) real.loadClass(className).getDeclaredConstructor().newInstance();
        Runnable body = () -> {
            Thread me = Thread.currentThread();
            ClassLoader before = me.getContextClassLoader();
            me.setContextClassLoader(loader);
            try {
                job.run(fixed);
            } catch (Exception e) {
                throw new RuntimeException(e);
            } finally {
                me.setContextClassLoader(before);
            }
        };
        if (pool) {
            Future<?> f = POOL.submit(body);
            f.get();
        } else {
            Thread task = new Thread(body, "task-" + n);
            final Throwable[] failure = new Throwable[1];
            task.setUncaughtExceptionHandler((t, e) -> failure[0] = e);
            task.start();
            task.join();
            if (failure[0] != null) {
                throw new RuntimeException("job failed", failure[0]);
            }
        }
        if (wrapper != null) {
            wrapper.release();
        }
        real.close();
    }
}
