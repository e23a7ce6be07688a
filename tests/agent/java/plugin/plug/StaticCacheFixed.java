package plug;

/** StaticCache done right: its entry is removed from the host's cache again. 2 classes. */
public class StaticCacheFixed implements Runnable {
    @Override
    public void run() {
        Entry entry = new Entry();
        mltest.Registry.CACHE.add(entry);
        if (!mltest.Registry.CACHE.remove(entry)) {
            throw new IllegalStateException("entry not in the cache");
        }
    }

    static final class Entry {
    }
}
