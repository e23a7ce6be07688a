package mltest;

import java.util.ArrayList;
import java.util.List;

/** A parent-loaded library with a static cache, like a shared library in Flink's lib/. */
public final class Registry {
    public static final List<Object> CACHE = new ArrayList<>();

    private Registry() {
    }
}
