package job;

import com.mysql.cj.jdbc.AbandonedConnectionCleanupThread;
import kltest.Job;

/**
 * The other half: the job stops the driver's "mysql-cj-abandoned-connection-cleanup" thread
 * (AbandonedConnectionCleanupThread.uncheckedShutdown()) but leaves the driver registered with
 * java.sql.DriverManager. The fix: deregister it too.
 */
public final class MysqlRegisteredJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        Class.forName("com.mysql.cj.jdbc.Driver");
        AbandonedConnectionCleanupThread.uncheckedShutdown();
        if (fixed) {
            MysqlDriverJob.deregister();
        }
    }
}
