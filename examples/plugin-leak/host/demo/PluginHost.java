package demo;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A plugin host, the way a Flink TaskManager treats job jars: every "deployment" of a plugin
 * gets a fresh URLClassLoader, runs, is closed, and is dropped. A plugin that leaves something
 * behind keeps its whole loader alive; metaleak reports those loaders as leaked.
 *
 * Usage: PluginHost <plugin jar> <class name> <deployments> [<plugin jar> <class> <n>]...
 */
public final class PluginHost {
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 3 != 0) {
            System.err.println("usage: PluginHost <jar> <class> <deployments> [...]");
            System.exit(2);
        }
        for (int i = 0; i < args.length; i += 3) {
            Path jar = Paths.get(args[i]);
            int deployments = Integer.parseInt(args[i + 2]);
            for (int d = 0; d < deployments; d++) {
                deploy(jar, args[i + 1]);
            }
            System.out.println("deployed " + args[i + 1] + " " + deployments + " times");
        }
    }

    private static void deploy(Path jar, String className) throws Exception {
        URL[] urls = {jar.toUri().toURL()};
        try (URLClassLoader loader = new URLClassLoader(urls, PluginHost.class.getClassLoader())) {
            Object plugin = loader.loadClass(className).getDeclaredConstructor().newInstance();
            ((Runnable) plugin).run();
            if (plugin instanceof AutoCloseable) {
                ((AutoCloseable) plugin).close();
            }
        }
    }
}
