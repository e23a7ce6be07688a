package plug;

/** A plugin class with a little code, so that each copy uses a few KiB of Metaspace. */
public class P implements Runnable {
    private final int[] data = new int[4];

    @Override
    public void run() {
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 31;
        }
    }

    public int sum() {
        int s = 0;
        for (int v : data) {
            s += v;
        }
        return s;
    }
}
