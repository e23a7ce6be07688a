package mltest;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A plugin host for the agent's integration tests. Each deployment gets a fresh URLClassLoader
 * over the plugin jar, runs one plugin class (plug.&lt;Kind&gt;), and is closed and dropped.
 *
 * Usage: Host PLUGIN_JAR [--gc-in-run] [--gcs N] [--wait FILE] KIND:COUNT...
 *   --gc-in-run  after the deployments, wait 1.5 s (the agent polls closes every 0.5 s), then
 *                N times (default 2) System.gc() and finalization, 0.7 s apart: the proof
 *                comes from the run's own GCs
 *   --gcs N      the number of those collections (the driver asks for one more than the
 *                agent needs: 3 with a stop-the-world collector, 4 with ZGC or Shenandoah)
 *   --wait FILE  print "ready" and wait for FILE to exist before deploying (for late attach)
 *   --sleep MS   after the deployments, sleep MS milliseconds without any collection (the
 *                agent's path search proves leaks then: path_proof_after)
 */
public final class Host {
    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        boolean gcInRun = false;
        int gcs = 2;
        long sleepMs = 0;
        int i = 1;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            if (args[i].equals("--gc-in-run")) {
                gcInRun = true;
            } else if (args[i].equals("--gcs")) {
                gcs = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--sleep")) {
                sleepMs = Long.parseLong(args[++i]);
            } else if (args[i].equals("--wait")) {
                Path go = Paths.get(args[++i]);
                System.out.println("ready");
                System.out.flush();
                long deadline = System.currentTimeMillis() + 60_000;
                while (!Files.exists(go) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
            }
        }
        // Started by the host, not lazily from a plugin (see Pool.start).
        Pool.start();
        for (; i < args.length; i++) {
            String[] kindCount = args[i].split(":");
            int count = Integer.parseInt(kindCount[1]);
            for (int n = 0; n < count; n++) {
                deploy(jar, "plug." + kindCount[0]);
            }
        }
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        if (gcInRun) {
            // The first full collection after a close only queues finalizable objects (the
            // agent does not count it); finalizers run; the second one proves (the third with
            // a concurrent collector, whose cycle may have begun before the close was seen).
            Thread.sleep(1500);
            for (int n = 0; n < gcs; n++) {
                System.gc();
                System.runFinalization();
                Thread.sleep(700);
            }
        }
    }

    private static void deploy(URL jar, String className) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {jar}, Host.class.getClassLoader());
        Runnable plugin = (Runnable) loader.loadClass(className).getDeclaredConstructor().newInstance();
        plugin.run();
        loader.close();
    }
}
