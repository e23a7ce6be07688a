package job;

import com.mysql.cj.jdbc.AbandonedConnectionCleanupThread;
import java.sql.Driver;
import java.sql.DriverManager;
import java.util.Collections;
import kltest.Job;

/**
 * A JDBC sink with MySQL Connector/J in the job jar: loading the driver registers it with
 * java.sql.DriverManager and starts the "mysql-cj-abandoned-connection-cleanup" thread. The fix
 * (a release hook; the driver must be deregistered from a class of the job's loader):
 * DriverManager.deregisterDriver(...) and AbandonedConnectionCleanupThread.uncheckedShutdown()
 * (checkedShutdown() does nothing under Flink: it compares the thread's context class loader,
 * Flink's SafetyNet wrapper, with the driver's loader).
 */
public final class MysqlDriverJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        Class.forName("com.mysql.cj.jdbc.Driver");
        try {
            DriverManager.getConnection("jdbc:mysql://127.0.0.1:9/db?connectTimeout=200", "u", "p")
                .close();
        } catch (java.sql.SQLException expected) {
            // nothing listens: the driver is loaded and used all the same
        }
        if (fixed) {
            deregister();
            AbandonedConnectionCleanupThread.uncheckedShutdown();
        }
    }

    static void deregister() throws Exception {
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == MysqlDriverJob.class.getClassLoader()) {
                DriverManager.deregisterDriver(d);
            }
        }
    }
}
