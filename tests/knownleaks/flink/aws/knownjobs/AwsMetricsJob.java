package knownjobs;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.http.IdleConnectionReaper;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A map function with an S3 client of the AWS SDK v1 (bundled in the job jar, as in the Kinesis
 * connector) that it shuts down properly in close(); the job leaks all the same: the SDK
 * registered its MetricAdmin MBean when first used (known leak aws-sdk-v1-metric-admin-mbean,
 * FLINK-16246).
 */
public final class AwsMetricsJob {
    static final class Lookup extends RichMapFunction<Long, Long> {
        private transient AmazonS3 s3;

        @Override
        public void open(OpenContext openContext) {
            s3 = AmazonS3ClientBuilder.standard()
                .withRegion("us-east-1")
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("a", "b")))
                .build();
        }

        @Override
        public Long map(Long value) {
            return value;
        }

        @Override
        public void close() {
            if (s3 != null) {
                s3.shutdown();
                s3 = null;
            }
            IdleConnectionReaper.shutdown();
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Lookup()).sinkTo(new DiscardingSink<>());
        env.execute("AwsMetricsJob");
    }
}
