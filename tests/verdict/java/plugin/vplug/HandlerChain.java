package vplug;

/**
 * Defect 2: installs a JVM-wide default uncaught-exception handler that keeps the handler it
 * replaced (installed by the previous job, from the previous job's loader) and delegates to it.
 * The last job's handler is held by a static field of java.lang.Thread; every earlier job's
 * handler only through the next job's handler.
 */
public class HandlerChain implements Runnable {
    @Override
    public void run() {
        Thread.setDefaultUncaughtExceptionHandler(
                new Handler(Thread.getDefaultUncaughtExceptionHandler()));
    }

    static final class Handler implements Thread.UncaughtExceptionHandler {
        private final Thread.UncaughtExceptionHandler previous;

        Handler(Thread.UncaughtExceptionHandler previous) {
            this.previous = previous;
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            if (previous != null) {
                previous.uncaughtException(t, e);
            }
        }
    }
}
