package kltest;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * A child-first loader like Flink's ChildFirstClassLoader: classes whose names start with a
 * parent-first pattern (Flink's defaults, plus this host's package) come from the parent, every
 * other class from the job jar first and from the parent only when the jar lacks it.
 */
final class ChildFirstLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    // classloader.parent-first-patterns.default of Flink 1.20, and kltest.
    private static final String[] PARENT_FIRST = {"java.", "scala.", "org.apache.flink.",
        "com.esotericsoftware.kryo", "org.apache.hadoop.", "javax.annotation.", "org.xml",
        "javax.xml", "org.apache.xerces", "org.w3c", "org.rocksdb.", "org.slf4j",
        "org.apache.log4j", "org.apache.logging", "org.apache.commons.logging", "ch.qos.logback",
        "kltest."};

    ChildFirstLoader(URL[] urls, ClassLoader parent) {
        super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                for (String p : PARENT_FIRST) {
                    if (name.startsWith(p)) {
                        return super.loadClass(name, resolve);
                    }
                }
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException e) {
                    return super.loadClass(name, resolve);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }
}
