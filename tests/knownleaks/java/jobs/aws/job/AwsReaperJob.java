package job;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.metrics.AwsSdkMetrics;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import kltest.Job;

/**
 * A job with an S3 client of the AWS SDK v1 (bundled, as in the Kinesis connector or a job's own
 * sink) kept in a static field, the usual "one client per JVM" idiom, and never shut down:
 * IdleConnectionReaper, a static daemon thread (a class of the job's copy of the SDK), runs until
 * every client is shut down. (A client that becomes garbage is shut down by its finalizer, and
 * the thread ends.) The job unregisters the SDK's metrics MBean (see AwsMetricsJob), so that the
 * thread is what remains. The fix (close()): shutdown() the client.
 */
public final class AwsReaperJob implements Job {
    private static AmazonS3 s3;

    @Override
    public void run(boolean fixed) {
        s3 = AmazonS3ClientBuilder.standard()
            .withRegion("us-east-1")
            .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("a", "b")))
            .build();
        AwsSdkMetrics.unregisterMetricAdminMBean();
        if (fixed) {
            s3.shutdown();
        }
    }
}
