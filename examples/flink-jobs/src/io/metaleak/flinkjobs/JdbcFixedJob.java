package io.metaleak.flinkjobs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * {@link JdbcJob} deployed the way Flink's documentation says JDBC drivers must be deployed
 * ("Debugging Classloading", FLINK-19005 / FLINK-27466): the driver jar is in Flink's lib/ (on
 * the TaskManager's classpath) and {@code classloader.parent-first-patterns.additional: org.h2}
 * is set, so {@code org.h2.Driver} is loaded once, by the TaskManager's application class loader,
 * and registers with DriverManager once per JVM, not once per job. The job's own loader then
 * defines only the job's classes and can be collected when the job ends.
 *
 * <p>The pattern matters because the job jar built by build.sh still bundles H2: a child-first
 * loader prefers its own copy even when lib/ has one. A job jar that does not bundle the driver
 * (scope "provided") needs only the jar in lib/.
 *
 * <p>The code is JdbcJob's, plus a guard that fails the job when the driver was loaded by the
 * job's class loader, i.e. on a cluster where the fix is not deployed (then the job would leak
 * exactly as JdbcJob does).
 *
 * <p>Not used here, the in-code alternative: {@code DriverManager.deregisterDriver(driver)} for
 * each driver whose class loader is the job's, in a release hook registered with
 * {@code getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent}. It works, but every
 * job must remember it, and drivers that start threads (MySQL's abandoned-connection cleanup
 * thread, PostgreSQL's shared timer) need their own shutdown calls on top.
 *
 * Arguments: [count]   (default 1000)
 */
public final class JdbcFixedJob {

    static final String URL = "jdbc:h2:mem:metaleak_lookup";

    static final class LookupMap extends RichMapFunction<Long, Long> {
        private transient Connection connection;
        private transient PreparedStatement lookup;

        @Override
        public void open(OpenContext openContext) throws Exception {
            Class<?> driver = Class.forName("org.h2.Driver");
            if (driver.getClassLoader() == LookupMap.class.getClassLoader()) {
                throw new IllegalStateException("org.h2.Driver was loaded by the job's class loader,"
                        + " so it would pin it in DriverManager: put the H2 jar into Flink's lib/"
                        + " and set 'classloader.parent-first-patterns.additional: org.h2'");
            }
            connection = DriverManager.getConnection(URL, "sa", "");
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS factor(id INT PRIMARY KEY, f BIGINT)");
                st.execute("MERGE INTO factor KEY(id) VALUES (1, 2)");
            }
            lookup = connection.prepareStatement("SELECT f FROM factor WHERE id = 1");
        }

        @Override
        public Long map(Long value) throws Exception {
            try (ResultSet rs = lookup.executeQuery()) {
                return rs.next() ? value * rs.getLong(1) : value;
            }
        }

        @Override
        public void close() throws Exception {
            if (lookup != null) {
                lookup.close();
                lookup = null;
            }
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 1000L;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, count)
                .map(new LookupMap())
                .sinkTo(new DiscardingSink<>());
        env.execute("JdbcFixedJob");
    }
}
