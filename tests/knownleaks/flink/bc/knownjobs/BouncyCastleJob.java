package knownjobs;

import java.security.MessageDigest;
import java.security.Security;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * A map function that installs BouncyCastle from the job jar as a JCA provider for a digest the
 * JDK lacks: java.security.Security keeps the provider, a class of the job, in the JVM-wide list
 * (known leak bouncycastle-security-provider). "BC" is added once: only the first submission's
 * loader stays, and later jobs get its provider.
 */
public final class BouncyCastleJob {
    static final class Digest extends RichMapFunction<Long, Long> {
        @Override
        public void open(OpenContext openContext) {
            Security.addProvider(new BouncyCastleProvider());
        }

        @Override
        public Long map(Long value) throws Exception {
            byte[] d = MessageDigest.getInstance("SHA3-256", "BC")
                .digest(Long.toString(value).getBytes("UTF-8"));
            return value + (d[0] & 1);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Digest()).sinkTo(new DiscardingSink<>());
        env.execute("BouncyCastleJob");
    }
}
