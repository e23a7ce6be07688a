package vt;

import java.util.concurrent.atomic.AtomicInteger;

/** Numbers shared by all plugin loaders (a plugin's own statics are per loader). */
public final class Counter {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private Counter() {
    }

    public static int next() {
        return NEXT.getAndIncrement();
    }
}
