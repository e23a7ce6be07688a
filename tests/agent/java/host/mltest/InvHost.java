package mltest;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Host for the class-inventory tests: loaders that stay live until exit. Classes are
 * initialized (Class.forName(..., true, ...)): the agent sees a class when the JVM prepares it.
 *
 * Usage: InvHost PLUGIN_JAR MODE
 *   shadow   a child-first loader over the plugin jar loads its own copy of mltest.Shared
 *            (the host loaded the same class first): one shadowed class
 *   growth   a URLClassLoader runs plug.Growth: 4 lambda classes, 2 proxy classes
 *   suspect  two URLClassLoaders over the same jar, both left open; the first is idle for
 *            3 s while the second exists: suspect, superseded by the second
 */
public final class InvHost {
    private static final List<ClassLoader> KEEP = new ArrayList<>();

    /** Child-first: the plugin jar before the parent, as Flink's ChildFirstClassLoader. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && !name.startsWith("java.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = null;
                    }
                }
                if (c == null) {
                    c = super.loadClass(name, false);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        URL jar = Paths.get(args[0]).toUri().toURL();
        ClassLoader parent = InvHost.class.getClassLoader();
        switch (args[1]) {
            case "shadow": {
                System.out.println(Shared.where());
                ChildFirst cf = new ChildFirst(new URL[] {jar}, parent);
                Class<?> copy = Class.forName("mltest.Shared", true, cf);
                if (copy == Shared.class) {
                    throw new IllegalStateException("not child-first");
                }
                KEEP.add(cf);
                break;
            }
            case "growth": {
                URLClassLoader l = new URLClassLoader(new URL[] {jar}, parent);
                ((Runnable) l.loadClass("plug.Growth").getDeclaredConstructor().newInstance()).run();
                KEEP.add(l);
                break;
            }
            case "suspect": {
                URLClassLoader first = new URLClassLoader(new URL[] {jar}, parent);
                Class.forName("plug.Clean", true, first);
                KEEP.add(first);
                Thread.sleep(200);
                URLClassLoader second = new URLClassLoader(new URL[] {jar}, parent);
                Class.forName("plug.Clean", true, second);
                KEEP.add(second);
                Thread.sleep(3000);
                break;
            }
            default:
                throw new IllegalArgumentException(args[1]);
        }
    }
}
