package knownjobs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A lookup function with MySQL Connector/J in the job jar (as a JDBC connector job bundles it):
 * loading the driver starts its "mysql-cj-abandoned-connection-cleanup" thread, which keeps the
 * job's loader (known leak mysql-abandoned-connection-cleanup-thread; the driver also stays
 * registered with DriverManager). The function closes its connection properly.
 */
public final class MysqlLookupJob {
    static final class Lookup extends RichMapFunction<Long, Long> {
        private transient Connection connection;

        @Override
        public void open(OpenContext openContext) throws Exception {
            Class.forName("com.mysql.cj.jdbc.Driver");
            try {
                connection = DriverManager.getConnection(
                    "jdbc:mysql://127.0.0.1:9/db?connectTimeout=200", "u", "p");
            } catch (SQLException expected) {
                // nothing listens: the driver is loaded and used all the same
            }
        }

        @Override
        public Long map(Long value) {
            return value;
        }

        @Override
        public void close() throws Exception {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Lookup()).sinkTo(new DiscardingSink<>());
        env.execute("MysqlLookupJob");
    }
}
