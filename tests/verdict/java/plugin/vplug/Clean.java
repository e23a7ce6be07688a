package vplug;

/** Does nothing: its loader must be unloaded. */
public class Clean implements Runnable {
    @Override
    public void run() {
    }
}
