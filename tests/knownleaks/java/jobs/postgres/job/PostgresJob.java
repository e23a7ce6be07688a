package job;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Collections;
import kltest.Job;

/**
 * A JDBC sink with the PostgreSQL driver in its jar that sets a query timeout (every connection
 * pool and many sinks do) and never closes its connection: the driver's timeouts run on one
 * java.util.Timer per driver copy, "PostgreSQL-JDBC-SharedTimer-N", which the driver creates
 * with its own loader (the job's) as the context class loader and which lives as long as a
 * connection that used it stays open; the driver's "PostgreSQL-JDBC-Cleaner" thread runs as
 * long as an open connection is registered with it. (A connection that becomes garbage is closed
 * by that cleaner, which releases the timer; this job keeps its connection in a static field, as
 * a static pool or data source does.) The fix (close()): close the connection (and, the driver
 * being in the job jar, deregister it); the cleaner thread then ends after its idle time.
 */
public final class PostgresJob implements Job {
    /** The job's connection, kept for its lifetime (a static pool or data source does so). */
    private static Connection connection;

    @Override
    public void run(boolean fixed) throws Exception {
        Class.forName("org.postgresql.Driver");
        String url = "jdbc:postgresql://127.0.0.1:" + System.getProperty("kltest.postgres.port")
            + "/db?sslmode=disable&gssEncMode=disable&preferQueryMode=simple";
        Connection c = DriverManager.getConnection(url, "u", "p");
        connection = c;
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(30);
            s.execute("SET x = 1");
        }
        if (fixed) {
            c.close();
            for (Driver d : Collections.list(DriverManager.getDrivers())) {
                if (d.getClass().getClassLoader() == PostgresJob.class.getClassLoader()) {
                    DriverManager.deregisterDriver(d);
                }
            }
        }
    }
}
