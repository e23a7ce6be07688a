import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

import java.util.HashMap;
import java.util.Map;

/**
 * Submits SQL to a running Flink session cluster the way the SQL client and the SQL gateway do:
 * the statements are planned here and the job graph goes to the cluster through its REST API
 * with no user jar, so the TaskManager's user-code class loader for the job has no URL (and no
 * blob path with the job id in it); the planner's generated code is compiled by janino on the
 * TaskManager. Needs the Table API jars (cluster.sh with FLINK_TABLE=1) on the class path.
 *
 * Usage: SqlSubmit REST_PORT STATEMENT... (every statement is executed in turn; the job of the
 * last one, an INSERT, is left running). Prints "Job has been submitted with JobID <id>" as
 * Flink's CLI does.
 */
public final class SqlSubmit {
    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("execution.target", "remote");
        settings.put("rest.address", "localhost");
        settings.put("rest.port", args[0]);
        Configuration conf = Configuration.fromMap(settings);
        TableEnvironment env = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
        TableResult last = null;
        for (int i = 1; i < args.length; i++) {
            last = env.executeSql(args[i]);
        }
        if (last == null || !last.getJobClient().isPresent()) {
            throw new IllegalArgumentException("the last statement started no job");
        }
        System.out.println("Job has been submitted with JobID " + last.getJobClient().get().getJobID());
        System.out.flush();
        // The REST client's threads would keep this JVM alive; the job runs on without it.
        System.exit(0);
    }
}
