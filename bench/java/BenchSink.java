/* Where a freshly initialised template class leaves an instance of itself (its static
 * initializer writes here), so that DefineBench can use it without reflection,
 * and a full-privilege Lookup on itself (to define hidden classes in its loader). */
public final class BenchSink {
    public static volatile Object last;
    public static volatile java.lang.invoke.MethodHandles.Lookup lookup;

    private BenchSink() {
    }
}
