package job;

import kltest.Job;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * A job that asks Hadoop (in lib/) for the current user, as every HDFS or Hive client does: the
 * first call initialises UserGroupInformation's static Configuration, which keeps the context
 * class loader of the thread that created it (the job's). Flink installs Hadoop security at
 * start-up (HadoopModule) when Hadoop is in lib/, which avoids it. The fix in a job (close()):
 * give UserGroupInformation a Configuration bound to Hadoop's own loader.
 */
public final class HadoopUgiJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        UserGroupInformation.getCurrentUser();
        if (fixed) {
            Configuration conf = new Configuration();
            conf.setClassLoader(Configuration.class.getClassLoader());
            UserGroupInformation.setConfiguration(conf);
        }
    }
}
