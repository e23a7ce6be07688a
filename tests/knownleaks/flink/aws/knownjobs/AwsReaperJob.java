package knownjobs;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.metrics.AwsSdkMetrics;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A map function that keeps its S3 client (AWS SDK v1, bundled) in a static field, the "one
 * client per JVM" idiom, and never shuts it down: the SDK's IdleConnectionReaper thread, a class
 * of the job's copy of the SDK, runs on (known leak aws-sdk-v1-idle-connection-reaper). It
 * unregisters the SDK's metrics MBean (see AwsMetricsJob), so that the thread is what remains.
 */
public final class AwsReaperJob {
    private static AmazonS3 s3;

    static final class Lookup extends RichMapFunction<Long, Long> {
        @Override
        public void open(OpenContext openContext) {
            synchronized (AwsReaperJob.class) {
                if (s3 == null) {
                    s3 = AmazonS3ClientBuilder.standard()
                        .withRegion("us-east-1")
                        .withCredentials(new AWSStaticCredentialsProvider(
                            new BasicAWSCredentials("a", "b")))
                        .build();
                }
            }
            AwsSdkMetrics.unregisterMetricAdminMBean();
        }

        @Override
        public Long map(Long value) {
            return value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Lookup()).sinkTo(new DiscardingSink<>());
        env.execute("AwsReaperJob");
    }
}
