package kltest;

/**
 * Flink's SafetyNetWrapperClassLoader in miniature (classloader.check-leaked-classloader: true,
 * the default): jobs see this wrapper as their thread's context class loader, and it delegates to
 * the job's real loader until the job is released; then {@code inner} is cleared, so that a
 * thread or cache that captured the context class loader pins only this empty wrapper.
 */
final class SafetyNetLoader extends ClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    private volatile ClassLoader inner;

    SafetyNetLoader(ClassLoader inner) {
        super(inner.getParent());
        this.inner = inner;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        ClassLoader in = inner;
        if (in == null) {
            throw new IllegalStateException("Trying to access closed classloader (" + name + ")");
        }
        return in.loadClass(name);
    }

    @Override
    public java.net.URL getResource(String name) {
        ClassLoader in = inner;
        return in == null ? null : in.getResource(name);
    }

    @Override
    public java.util.Enumeration<java.net.URL> getResources(String name) throws java.io.IOException {
        ClassLoader in = inner;
        return in == null ? java.util.Collections.emptyEnumeration() : in.getResources(name);
    }

    void release() {
        inner = null;
    }
}
