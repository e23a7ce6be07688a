package plug;

/** Puts one of its objects into a parent-loaded static cache: 2 classes. */
public class StaticCache implements Runnable {
    @Override
    public void run() {
        mltest.Registry.CACHE.add(new Entry());
    }

    static final class Entry {
    }
}
