package job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Collections;
import kltest.Job;

/**
 * A lookup function that keeps its table in an embedded H2 database (H2 in the job jar) and
 * deregisters the H2 driver (as Flink's JDBC docs advise for drivers in a job jar), but never
 * closes its connection: while the database is open, DB_CLOSE_ON_EXIT (the default) keeps
 * OnExitDatabaseCloser, a JVM shutdown hook of the job's classes, registered. The fix
 * (close()): close the connection (the last one closes the database and removes the hook).
 */
public final class H2Job implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        Class.forName("org.h2.Driver");
        Path dir = Files.createTempDirectory("kltest-h2");
        Connection c = DriverManager.getConnection("jdbc:h2:" + dir.resolve("lookup"));
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY, v VARCHAR)");
            s.execute("INSERT INTO t VALUES (1, 'a')");
        }
        if (fixed) {
            c.close();
        }
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == H2Job.class.getClassLoader()) {
                DriverManager.deregisterDriver(d);
            }
        }
    }
}
