import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * Host of the pause tests (tests/pauses): a heap of OBJECTS small objects in chains (so that a
 * heap walk of the reference-path search takes a while), then plugin loaders of tests/agent that
 * leak through a static cache, a ThreadLocal of a pool thread and a JDBC driver (chains of four
 * steps: four heap walks), proven by the run's own full collections. Prints "ready", then waits
 * for a line on stdin: "exit" returns from main (an orderly exit); SIGTERM also ends it.
 *
 * Usage: PauseHost PLUGIN_JAR OBJECTS LEAKS_PER_CAUSE
 */
public final class PauseHost {
    static final class Cell {
        Cell next;
        Object payload;
        int value;
    }

    static Object[] heap;

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        int objects = Integer.parseInt(args[1]);
        int perCause = Integer.parseInt(args[2]);
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
        String[] kinds = {"StaticCache", "ThreadLocalLeak", "JdbcLeak"};
        for (String kind : kinds) {
            for (int n = 0; n < perCause; n++) {
                URLClassLoader l = new URLClassLoader(new URL[] {jar}, PauseHost.class.getClassLoader());
                ((Runnable) l.loadClass("plug." + kind).getDeclaredConstructor().newInstance()).run();
                l.close();
            }
        }
        // The agent polls closes every 0.5 s; two full collections after that prove the leaks
        // (the first one after a close is not counted).
        Thread.sleep(1500);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(700);
        }
        System.out.println("ready " + heap.length);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("exit")) {
                return;
            }
        }
        Thread.sleep(Long.MAX_VALUE); // stdin closed: wait for a signal
    }
}
