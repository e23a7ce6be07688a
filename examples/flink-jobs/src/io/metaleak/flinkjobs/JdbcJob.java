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
 * Leaks its user-code class loader through {@code java.sql.DriverManager}: the job jar bundles
 * the real H2 JDBC driver (com.h2database:h2, shaded in by build.sh the way maven-shade-plugin
 * would), and the map function looks values up in an in-memory H2 database it opens in open().
 *
 * <p>The function is well behaved: it closes its statement and connection in close(). It leaks
 * anyway: loading {@code org.h2.Driver} through the job's child-first class loader runs the
 * driver's static initializer, which calls {@code DriverManager.registerDriver(INSTANCE)}, and
 * nothing deregisters it. {@code DriverManager.registeredDrivers} is a static list of the JDK,
 * so {@code DriverManager -> registeredDrivers -> DriverInfo -> org.h2.Driver (defined by the job
 * loader) -> its class -> the job's ChildFirstClassLoader} keeps every submission's loader, with
 * the hundreds of H2 classes it defined, in Metaspace (FLINK-19005).
 *
 * <p>The fix Flink documents ("Debugging Classloading": JDBC drivers) is not a code change: put
 * the driver jar into Flink's lib/ and, when the job jar still bundles it, add its package to
 * {@code classloader.parent-first-patterns.additional}; see {@link JdbcFixedJob}.
 *
 * Arguments: [count]   (default 1000)
 */
public final class JdbcJob {

    static final String URL = "jdbc:h2:mem:metaleak_lookup";

    static final class LookupMap extends RichMapFunction<Long, Long> {
        private transient Connection connection;
        private transient PreparedStatement lookup;

        @Override
        public void open(OpenContext openContext) throws Exception {
            // What connector code does: load the configured driver class by name (through the
            // job's class loader), then ask DriverManager for a connection.
            Class.forName("org.h2.Driver");
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
                connection.close(); // last connection: H2 drops the in-memory database
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
        env.execute("JdbcJob");
    }
}
