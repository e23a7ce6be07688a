package io.metaleak.flinkjobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Same shutdown hook as {@link HookJob}, removed again when Flink releases the job's class loader:
 * open() registers a user-code class loader release hook with
 * {@code RuntimeContext.registerUserCodeClassLoaderReleaseHookIfAbsent(name, Runnable)}
 * (FLINK-17554, Flink 1.12+, unchanged in 2.x). The TaskManager runs the release hooks of a
 * job's loader when the last task of the job on that TaskManager is done, just before it closes
 * the loader; the hook calls {@code Runtime.removeShutdownHook}.
 *
 * <p>A release hook rather than close(): the shutdown hook belongs to the JVM-wide state of the
 * job's classes, not to one function instance, and "IfAbsent" registers it once per loader even
 * with many parallel subtasks (close() would have to track which subtask registered it).
 *
 * Arguments: [count]   (default 1000)
 */
public final class HookFixedJob {

    static final class FlushOnExit extends Thread {
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

    /** The release hook: a named class, not a lambda, so the job defines a fixed set of classes. */
    static final class RemoveShutdownHook implements Runnable {
        private final Thread hook;

        RemoveShutdownHook(Thread hook) {
            this.hook = hook;
        }

        @Override
        public void run() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs (or ran) anyway
            }
        }
    }

    static final class HookMap extends RichMapFunction<Long, Long> {
        @Override
        public void open(OpenContext openContext) throws Exception {
            Thread hook = new FlushOnExit(
                    "metaleak-test-shutdown-hook-" + getRuntimeContext().getJobInfo().getJobId());
            Runtime.getRuntime().addShutdownHook(hook);
            getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(
                    "metaleak-remove-shutdown-hook", new RemoveShutdownHook(hook));
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
        env.execute("HookFixedJob");
    }
}
