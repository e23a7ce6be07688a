package kltest;

/**
 * A job as the host runs it: one class of the job jar, instantiated in the job's loader.
 * {@code fixed} asks the job to apply the known workaround (what its close() or a Flink release
 * hook would do); a fixed run must not leak.
 */
public interface Job {
    void run(boolean fixed) throws Exception;
}
