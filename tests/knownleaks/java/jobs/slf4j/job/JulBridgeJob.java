package job;

import kltest.Job;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * A job that routes java.util.logging to SLF4J with jul-to-slf4j from its jar (a common
 * "make the library's JUL logs show up" line): SLF4JBridgeHandler.install() adds a handler of the
 * job's class to the JDK's root logger. The fix (close()): SLF4JBridgeHandler.uninstall().
 */
public final class JulBridgeJob implements Job {
    @Override
    public void run(boolean fixed) {
        SLF4JBridgeHandler.install();
        java.util.logging.Logger.getLogger("job").info("bridged");
        if (fixed) {
            SLF4JBridgeHandler.uninstall();
        }
    }
}
