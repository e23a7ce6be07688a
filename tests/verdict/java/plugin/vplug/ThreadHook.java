package vplug;

/** Defect 4: registers a shutdown hook whose class (a Thread subclass) is the job's. */
public class ThreadHook implements Runnable {
    @Override
    public void run() {
        Runtime.getRuntime().addShutdownHook(new Hook("vt-thook-" + vt.Counter.next()));
    }

    static final class Hook extends Thread {
        Hook(String name) {
            super(name);
        }

        @Override
        public void run() {
        }
    }
}
