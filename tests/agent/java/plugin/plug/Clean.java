package plug;

/** Leaves nothing behind: 1 class. */
public class Clean implements Runnable {
    @Override
    public void run() {
        Integer.toString(hashCode());
    }
}
