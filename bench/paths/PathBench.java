import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * Heap for the reference-path benchmark (bench/paths.sh): OBJECTS small objects in chains
 * (so that a heap walk has depth, like a TaskManager's state), then LEAKS leaked plugin loaders
 * of four causes (tests/agent's plugins: thread, static cache, thread-local, JDBC driver), proven
 * by the run's own full collections so that the agent's search runs. Prints "ready", then reads
 * commands on stdin, so that other pauses of the same heap can be timed: "young" allocates short-
 * lived garbage until young collections have run (then prints "young-done"), "exit" or the end
 * of stdin returns from main.
 *
 * Usage: PathBench PLUGIN_JAR OBJECTS LEAKS [KINDS]
 *   KINDS: the plugin classes that leak, round robin, comma-separated (default
 *   ThreadLeak,StaticCache,ThreadLocalLeak,JdbcLeak: four causes)
 */
public final class PathBench {
    static final class Cell {
        Cell next;
        Object payload;
        int value;
    }

    static Object[] heap;
    static volatile Object garbage;

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        int objects = Integer.parseInt(args[1]);
        int leaks = Integer.parseInt(args[2]);
        int chunk = 1000;
        heap = new Object[objects / chunk];
        for (int c = 0; c < heap.length; c++) {
            Cell[] cells = new Cell[chunk / 2];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = new Cell();
                cells[i].value = i;
                cells[i].payload = new int[1];
                if (i > 0) {
                    cells[i - 1].next = cells[i];
                }
            }
            heap[c] = cells;
        }
        mltest.Pool.start();
        String[] kinds = (args.length > 3 ? args[3] : "ThreadLeak,StaticCache,ThreadLocalLeak,JdbcLeak")
                .split(",");
        for (int n = 0; n < leaks; n++) {
            URLClassLoader l = new URLClassLoader(new URL[] {jar}, PathBench.class.getClassLoader());
            ((Runnable) l.loadClass("plug." + kinds[n % kinds.length]).getDeclaredConstructor()
                    .newInstance()).run();
            l.close();
        }
        // The agent polls closes every 0.5 s; two full collections after that prove the leaks
        // (the first one after a close is not counted); then the search runs.
        Thread.sleep(1500);
        System.gc();
        System.runFinalization();
        Thread.sleep(700);
        System.gc();
        Thread.sleep(700);
        System.gc();
        Thread.sleep(4000);
        System.out.println("ready " + heap.length);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null && !line.trim().equals("exit"); ) {
            if (line.trim().equals("young")) {
                // Twice the heap's size in short-lived garbage: several young collections.
                long bytes = 2 * Runtime.getRuntime().maxMemory(), n = 0;
                for (long done = 0; done < bytes; done += 4096 + 16) {
                    byte[] b = new byte[4096];
                    garbage = b; // escapes: really allocated
                    n += b.length;
                }
                System.out.println("young-done " + (n & 1));
                System.out.flush();
            }
        }
    }
}
