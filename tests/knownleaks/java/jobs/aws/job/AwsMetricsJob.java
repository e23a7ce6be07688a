package job;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.http.IdleConnectionReaper;
import com.amazonaws.metrics.AwsSdkMetrics;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import kltest.Job;

/**
 * A job that shuts its AWS SDK v1 client down properly, yet leaks: AwsSdkMetrics registered its
 * MetricAdmin MBean in the platform MBean server when the SDK was first used (FLINK-16246). The
 * fix (a release hook, as Flink's Kinesis connector does): AwsSdkMetrics.unregisterMetricAdminMBean().
 */
public final class AwsMetricsJob implements Job {
    @Override
    public void run(boolean fixed) {
        AmazonS3 s3 = AmazonS3ClientBuilder.standard()
            .withRegion("us-east-1")
            .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("a", "b")))
            .build();
        s3.shutdown();
        IdleConnectionReaper.shutdown();
        if (fixed) {
            AwsSdkMetrics.unregisterMetricAdminMBean();
        }
    }
}
