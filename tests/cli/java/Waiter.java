import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A JVM for attach tests: deploys one plugin, prints "ready", waits until the file named by
 * args[2] exists, then deploys the plugin args[3] more times and exits.
 */
public final class Waiter {
    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        deploy(jar, args[1]);
        System.out.println("ready");
        System.out.flush();
        Path go = Paths.get(args[2]);
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.exists(go) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        int more = Integer.parseInt(args[3]);
        for (int i = 0; i < more; i++) {
            deploy(jar, args[1]);
        }
    }

    private static void deploy(URL jar, String cls) throws Exception {
        try (URLClassLoader l = new URLClassLoader(new URL[] {jar}, Waiter.class.getClassLoader())) {
            ((Runnable) l.loadClass(cls).getDeclaredConstructor().newInstance()).run();
        }
    }
}
