package job;

import kltest.Job;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LifeCycle;
import org.apache.logging.log4j.core.impl.Log4jContextFactory;

/**
 * A job whose jar carries its own log4j-core (a connector that shades it, or a fat jar that did
 * not exclude it): its first logger starts a LoggerContext and registers log4j's shutdown
 * callback hook, a thread of the job's classes. The fix (close()): stop the context factory's
 * shutdown-callback registry (LogManager.shutdown() stops the context but keeps the hook).
 */
public final class Log4jJob implements Job {
    @Override
    public void run(boolean fixed) {
        LogManager.getLogger("job").info("hello");
        if (fixed) {
            LogManager.shutdown();
            Log4jContextFactory factory = (Log4jContextFactory) LogManager.getFactory();
            ((LifeCycle) factory.getShutdownCallbackRegistry()).stop();
        }
    }
}
