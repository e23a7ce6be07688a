package job;

import kltest.Job;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.util.ReflectionUtils;

/**
 * A job that makes Hadoop (in lib/) instantiate one of its classes reflectively, as Parquet's
 * CodecFactory does for a compression codec of the job jar (apache/paimon#9795):
 * ReflectionUtils.CONSTRUCTOR_CACHE, a static map with strong keys, keeps the job's class. The
 * fix (in a release hook): remove the job's classes from that cache.
 */
public final class HadoopCodecJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        Configuration conf = new Configuration(false);
        Object codec = ReflectionUtils.newInstance(JobCodec.class, conf);
        if (codec == null) {
            throw new IllegalStateException("no codec");
        }
        if (fixed) {
            java.lang.reflect.Field f = ReflectionUtils.class.getDeclaredField("CONSTRUCTOR_CACHE");
            f.setAccessible(true);
            ((java.util.Map<?, ?>) f.get(null)).keySet()
                .removeIf(k -> ((Class<?>) k).getClassLoader() == HadoopCodecJob.class.getClassLoader());
        }
    }

    /** Stands in for a codec bundled in the job jar (parquet's ZstandardCodec in the report). */
    public static final class JobCodec {
        public JobCodec() {
        }
    }
}
