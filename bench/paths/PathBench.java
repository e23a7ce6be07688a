import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * Heap for the reference-path benchmark (bench/paths.sh): OBJECTS small objects in chains
 * (so that a heap walk has depth, like a TaskManager's state), then LEAKS leaked plugin loaders
 * of four causes (tests/agent's plugins: thread, static cache, thread-local, JDBC driver), proven
 * by the run's own full collections so that the agent's search runs. Prints "ready" and waits for
 * a line on stdin, so that a heap dump of the same heap can be timed.
 *
 * Usage: PathBench PLUGIN_JAR OBJECTS LEAKS
 */
public final class PathBench {
    static final class Cell {
        Cell next;
        Object payload;
        int value;
    }

    static Object[] heap;

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
        String[] kinds = {"ThreadLeak", "StaticCache", "ThreadLocalLeak", "JdbcLeak"};
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
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
