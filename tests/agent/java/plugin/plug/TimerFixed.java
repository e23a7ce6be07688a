package plug;

import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CountDownLatch;

/**
 * TimerLeak done right: the timer is cancelled and purged, and its thread ("mltest-timer-fixed")
 * has ended before the plugin returns. 2 classes (TimerFixed, TimerFixed$Tick).
 */
public class TimerFixed implements Runnable {
    @Override
    public void run() {
        Timer timer = new Timer("mltest-timer-fixed", true);
        Tick tick = new Tick();
        timer.schedule(tick, 0L, 60_000L);
        try {
            tick.ran.await();
            timer.cancel();
            timer.purge();
            // Timer.cancel() does not wait for the TimerThread; the first run told us which it is.
            tick.thread.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Tick extends TimerTask {
        final CountDownLatch ran = new CountDownLatch(1);
        volatile Thread thread;

        @Override
        public void run() {
            thread = Thread.currentThread();
            ran.countDown();
        }
    }
}
