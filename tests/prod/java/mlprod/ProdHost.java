package mlprod;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A long-running plugin host for the production tests: deploys plugins (tests/agent's plugin
 * jar: plug.&lt;Kind&gt;, each in a fresh URLClassLoader that is closed and dropped), lets the
 * agent prove the leaks with two collections, then stays up until STOP_FILE exists (or 120 s),
 * so that a JMX client can read it. Prints "deployed" once the collections ran.
 *
 * Usage: ProdHost PLUGIN_JAR STOP_FILE KIND:COUNT...
 */
public final class ProdHost {
    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        Path stop = Paths.get(args[1]);
        for (int i = 2; i < args.length; i++) {
            String[] kindCount = args[i].split(":");
            for (int n = 0; n < Integer.parseInt(kindCount[1]); n++) {
                deploy(jar, "plug." + kindCount[0]);
            }
        }
        // The agent polls closes every 0.5 s; the first full collection after a close only
        // queues finalizable objects, the second proves.
        Thread.sleep(1500);
        System.gc();
        System.runFinalization();
        Thread.sleep(700);
        System.gc();
        Thread.sleep(700);
        System.out.println("deployed");
        System.out.flush();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.exists(stop) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
    }

    private static void deploy(URL jar, String className) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {jar}, ProdHost.class.getClassLoader());
        Runnable plugin = (Runnable) loader.loadClass(className).getDeclaredConstructor().newInstance();
        plugin.run();
        loader.close();
    }
}
