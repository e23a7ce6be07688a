package io.metaleak.flinkjobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Leaks its user-code class loader through a JVM shutdown hook: the map function registers
 * {@code Runtime.addShutdownHook(new FlushOnExit(...))} in open(), a thread of a job class meant to
 * flush buffered output if the JVM goes down, and never removes it.
 *
 * <p>A registered hook is an unstarted thread held by the JDK's static
 * {@code java.lang.ApplicationShutdownHooks.hooks} map until the JVM exits, so
 * {@code ApplicationShutdownHooks.hooks -> IdentityHashMap -> HookJob$FlushOnExit -> its class ->
 * the job's ChildFirstClassLoader} pins the loader of every submission for the life of the
 * TaskManager. (Hadoop's ShutdownHookManager and libraries that "close on exit" do the same.)
 * Shutting the TaskManager down runs the hooks, so the leak is only visible while it runs, which
 * is what matters for a long-lived session cluster.
 *
 * <p>{@link HookFixedJob} removes the hook from a user-code class loader release hook.
 *
 * Arguments: [count]   (default 1000)
 */
public final class HookJob {

    /** Meant to flush what the job buffered when the JVM exits. */
    static final class FlushOnExit extends Thread {
        // A little per-job payload so the pinned loader holds some data besides classes.
        private final byte[] ballast = new byte[64 * 1024];

        FlushOnExit(String name) {
            super(name);
        }

        @Override
        public void run() {
            if (ballast.length == 0) {
                throw new IllegalStateException();
            }
        }
    }

    static final class HookMap extends RichMapFunction<Long, Long> {
        @Override
        public void open(OpenContext openContext) throws Exception {
            // Deliberately never removed: the bug under test.
            Runtime.getRuntime().addShutdownHook(new FlushOnExit(
                    "metaleak-test-shutdown-hook-" + getRuntimeContext().getJobInfo().getJobId()));
        }

        @Override
        public Long map(Long value) {
            return value * 2;
        }
    }

    public static void main(String[] args) throws Exception {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 1000L;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, count)
                .map(new HookMap())
                .sinkTo(new DiscardingSink<>());
        env.execute("HookJob");
    }
}
