import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The program the fault tests run with the agent. It creates LOADERS URLClassLoaders over
 * PLUGIN_DIR, each defining plug.P, and keeps them all (so that the report lists them all:
 * about 650 bytes each). Then it prints "ready" and waits for the control file CTL: "exit"
 * calls System.exit(CODE), "halt" calls Runtime.halt(CODE).
 *
 * Options:
 *   --close-every K            close every K-th loader (kept: a leak, proven at exit)
 *   --churn                    a thread creates, uses, closes and drops a loader every 50 ms
 *                              (proves the JVM and the agent keep working through a fault)
 *   --on DIR NAME US MODE      when a file NAME appears in DIR (created, or renamed into place),
 *                              wait US microseconds, then MODE ("exit" or "halt") with CODE.
 *                              NAME may contain {pid}, replaced by this process's id.
 *   --max-seconds N            exit with CODE after N seconds whatever happens (default 120)
 *   --heap N                   first allocate N small objects in chains, kept to the end (so
 *                              that a heap walk of the agent's path search takes a while)
 *   --exit-after MS MODE       MS milliseconds after "ready", MODE ("exit" or "halt") with CODE
 *
 * Usage: FaultHost PLUGIN_DIR LOADERS CTL CODE [options]
 */
public final class FaultHost {
    static final List<Object> KEPT = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        URL plugin = Paths.get(args[0]).toUri().toURL();
        int loaders = Integer.parseInt(args[1]);
        Path ctl = Paths.get(args[2]);
        int code = Integer.parseInt(args[3]);
        boolean churn = false;
        int closeEvery = 0;
        long maxSeconds = 120;
        int heapObjects = 0;
        long exitAfterMs = -1;
        String exitMode = null;
        Path onDir = null;
        String onName = null;
        long onMicros = 0;
        String onMode = null;
        for (int i = 4; i < args.length; i++) {
            switch (args[i]) {
                case "--close-every":
                    closeEvery = Integer.parseInt(args[++i]);
                    break;
                case "--churn":
                    churn = true;
                    break;
                case "--on":
                    onDir = Paths.get(args[++i]);
                    onName = args[++i].replace("{pid}", Long.toString(ProcessHandle.current().pid()));
                    onMicros = Long.parseLong(args[++i]);
                    onMode = args[++i];
                    break;
                case "--max-seconds":
                    maxSeconds = Long.parseLong(args[++i]);
                    break;
                case "--heap":
                    heapObjects = Integer.parseInt(args[++i]);
                    break;
                case "--exit-after":
                    exitAfterMs = Long.parseLong(args[++i]);
                    exitMode = args[++i];
                    break;
                default:
                    throw new IllegalArgumentException(args[i]);
            }
        }
        WatchService watch = null;
        if (onDir != null) {
            // Registered before the loaders exist, so that no report is missed.
            watch = FileSystems.getDefault().newWatchService();
            onDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
        }
        Object[] chain = null;
        for (int n = 0; n < heapObjects; n++) {
            chain = new Object[] {chain};
            if (n % 1000 == 999) {
                KEPT.add(chain);
                chain = null;
            }
        }
        for (int n = 0; n < loaders; n++) {
            URLClassLoader l = deploy(plugin);
            if (closeEvery > 0 && n % closeEvery == 0) {
                l.close();
            }
            KEPT.add(l);
        }
        System.out.println("ready");
        System.out.flush();
        if (churn) {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        deploy(plugin).close();
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "churn");
            t.setDaemon(true);
            t.start();
        }
        if (watch != null) {
            final WatchService w = watch;
            final String name = onName;
            final long micros = onMicros;
            final String mode = onMode;
            Thread t = new Thread(() -> trigger(w, name, micros, mode, code), "trigger");
            t.setDaemon(true);
            t.start();
        }
        if (exitAfterMs >= 0) {
            final long ms = exitAfterMs;
            final String mode = exitMode;
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    return;
                }
                System.out.println("trigger " + mode);
                System.out.flush();
                if (mode.equals("halt")) {
                    Runtime.getRuntime().halt(code);
                } else {
                    System.exit(code);
                }
            }, "exit-after");
            t.setDaemon(true);
            t.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(ctl)) {
                String what = new String(Files.readAllBytes(ctl)).trim();
                if (what.equals("exit")) {
                    System.exit(code);
                } else if (what.equals("halt")) {
                    Runtime.getRuntime().halt(code);
                }
            }
            Thread.sleep(10);
        }
        System.out.println("max-seconds reached");
        System.exit(code);
    }

    static URLClassLoader deploy(URL plugin) throws Exception {
        URLClassLoader l = new URLClassLoader(new URL[] {plugin}, FaultHost.class.getClassLoader());
        Runnable r = (Runnable) l.loadClass("plug.P").getDeclaredConstructor().newInstance();
        r.run();
        return l;
    }

    static void trigger(WatchService watch, String name, long micros, String mode, int code) {
        try {
            while (true) {
                WatchKey key = watch.take();
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.context() != null && e.context().toString().equals(name)) {
                        long until = System.nanoTime() + micros * 1000;
                        if (micros > 2000) {
                            Thread.sleep(micros / 1000 - 1);
                        }
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        System.out.println("trigger " + mode);
                        System.out.flush();
                        if (mode.equals("halt")) {
                            Runtime.getRuntime().halt(code);
                        }
                        System.exit(code);
                    }
                }
                key.reset();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
