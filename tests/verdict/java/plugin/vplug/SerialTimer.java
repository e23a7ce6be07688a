package vplug;

import java.util.Timer;
import java.util.TimerTask;

/**
 * Defect 6 with a real leak: serializes its own classes (Serial) and starts a java.util.Timer
 * with a task of the job that is never cancelled. The path must name the timer, not the
 * serialization helper loader.
 */
public class SerialTimer implements Runnable {
    @Override
    public void run() {
        new Serial().run();
        Timer timer = new Timer("vt-timer-" + vt.Counter.next(), true);
        timer.schedule(new Tick(), 60_000L, 60_000L);
    }

    static final class Tick extends TimerTask {
        @Override
        public void run() {
        }
    }
}
