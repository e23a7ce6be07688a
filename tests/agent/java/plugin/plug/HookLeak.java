package plug;

/** Registers a shutdown hook of its own class: 2 classes (HookLeak, HookLeak$Hook). */
public class HookLeak implements Runnable {
    @Override
    public void run() {
        Runtime.getRuntime().addShutdownHook(new Hook());
    }

    static final class Hook extends Thread {
        Hook() {
            super("mltest-hook");
        }

        @Override
        public void run() {
            // nothing to do: being registered is what pins the loader
        }
    }
}
