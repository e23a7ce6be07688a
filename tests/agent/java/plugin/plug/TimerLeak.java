package plug;

import java.util.Timer;
import java.util.TimerTask;

/**
 * Schedules a repeating task of its own class on a java.util.Timer (daemon thread "mltest-timer")
 * and never cancels it: 2 classes (TimerLeak, TimerLeak$Tick).
 */
public class TimerLeak implements Runnable {
    @Override
    public void run() {
        Timer timer = new Timer("mltest-timer", true);
        timer.schedule(new Tick(), 60_000L, 60_000L);
    }

    static final class Tick extends TimerTask {
        @Override
        public void run() {
            // nothing to do: being scheduled is what pins the loader
        }
    }
}
