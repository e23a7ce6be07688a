import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills Metaspace until OutOfMemoryError: Metaspace, then copies the report the agent wrote at
 * that moment (trigger metaspace-oom) to args[2] and exits 3.
 *
 *   leak        one plugin loader per round, closed and "released", but pinned by a static list
 *   undersized  the same loaders, kept open and in use (no leak: the limit is simply too small)
 *
 * args: MODE PLUGIN_DIR REPORT COPY
 */
public final class MetaspaceFiller {
    static final List<Object> PINNED = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        boolean leak = args[0].equals("leak");
        URL plugin = Paths.get(args[1]).toUri().toURL();
        Path report = Paths.get(args[2]);
        Path copy = Paths.get(args[3]);
        // Load everything the OOM path needs before Metaspace runs out.
        Path warm = Files.createTempFile("warm", ".json");
        Files.copy(warm, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(warm);
        Files.delete(copy);
        try {
            for (int i = 0; ; i++) {
                URLClassLoader loader = new URLClassLoader(new URL[] {plugin},
                        MetaspaceFiller.class.getClassLoader());
                PINNED.add(loader.loadClass("plug.P").getDeclaredConstructor().newInstance());
                if (leak) {
                    loader.close();
                } else {
                    PINNED.add(loader);
                }
                if (i % 500 == 0) {
                    Thread.sleep(20); // let the agent observe closes and sample
                }
            }
        } catch (OutOfMemoryError e) {
            Files.copy(report, copy, StandardCopyOption.REPLACE_EXISTING);
            System.exit(3);
        }
    }
}
