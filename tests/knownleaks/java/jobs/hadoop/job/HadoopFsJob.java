package job;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kltest.Job;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job that uses a Hadoop FileSystem (as a file sink, a Parquet writer or a Hive catalog does).
 * Its first use starts FileSystem$Statistics$StatisticsDataReferenceCleaner, a static daemon
 * thread that keeps the creating thread's context class loader (HADOOP-19049, fixed in 3.4.1)
 * and, on JDK <= 23, its inherited AccessControlContext (FLINK-25023); a bundled Hadoop also
 * registers ShutdownHookManager's JVM shutdown hook, a class of the job jar.
 *
 * The fix, in close() (Hudi's workaround, apache/hudi#8148): clear the cleaner thread's context
 * class loader and interrupt it (it ends on interrupt, which drops the access control context;
 * the static field STATS_DATA_CLEANER keeps the dead thread), close the cached file systems and, when Hadoop is bundled, remove the
 * shutdown hooks of the job's own classes (needs --add-opens java.base/java.lang, which Flink
 * sets on JDK 17).
 */
public final class HadoopFsJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        fs.exists(new Path(System.getProperty("java.io.tmpdir")));
        if (!fixed) {
            return;
        }
        FileSystem.closeAll();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().endsWith("StatisticsDataReferenceCleaner")) {
                t.setContextClassLoader(null); // a dead thread keeps it, and the static field keeps the thread
                t.interrupt();
                t.join(5000);
            }
        }
        if (FileSystem.class.getClassLoader() == HadoopFsJob.class.getClassLoader()) {
            Class<?> hooks = Class.forName("java.lang.ApplicationShutdownHooks");
            Field f = hooks.getDeclaredField("hooks");
            f.setAccessible(true);
            List<Thread> mine = new ArrayList<>();
            synchronized (hooks) {
                for (Object t : ((Map<?, ?>) f.get(null)).keySet()) {
                    if (t.getClass().getClassLoader() == HadoopFsJob.class.getClassLoader()) {
                        mine.add((Thread) t);
                    }
                }
            }
            for (Thread t : mine) {
                Runtime.getRuntime().removeShutdownHook(t);
            }
        }
    }
}
