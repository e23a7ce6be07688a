package vplug;

/**
 * Defects 3 and 4: registers a shutdown hook that is a plain java.lang.Thread named
 * "vt-hook-N" running a Runnable of the job (JDK 19+ keeps it in Thread.holder.task, older JDKs
 * in Thread.target).
 */
public class RunnableHook implements Runnable {
    @Override
    public void run() {
        Runtime.getRuntime().addShutdownHook(new Thread(new Task(), "vt-hook-" + vt.Counter.next()));
    }

    static final class Task implements Runnable {
        @Override
        public void run() {
            // being registered is what pins the loader
        }
    }
}
