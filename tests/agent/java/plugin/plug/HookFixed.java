package plug;

/**
 * HookLeak done right: the shutdown hook is removed again. 2 classes (HookFixed,
 * HookFixed$Hook).
 */
public class HookFixed implements Runnable {
    @Override
    public void run() {
        Hook hook = new Hook();
        Runtime.getRuntime().addShutdownHook(hook);
        if (!Runtime.getRuntime().removeShutdownHook(hook)) {
            throw new IllegalStateException("hook not registered");
        }
    }

    static final class Hook extends Thread {
        Hook() {
            super("mltest-hook-fixed");
        }

        @Override
        public void run() {
            // never runs: removed before the JVM exits
        }
    }
}
