package plug;

/** The plugin class every fault-test loader defines: one class per loader. */
public class P implements Runnable {
    private static final StringBuilder SINK = new StringBuilder();

    @Override
    public void run() {
        synchronized (SINK) {
            SINK.setLength(0);
            SINK.append(hashCode());
        }
    }
}
