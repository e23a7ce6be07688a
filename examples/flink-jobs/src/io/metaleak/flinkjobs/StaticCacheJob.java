package io.metaleak.flinkjobs;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Leaks its user-code class loader through a static registry of the JDK: the map function adds a
 * {@link java.util.logging.Handler} of its own class to the root logger of
 * {@code java.util.logging} in open() and never removes it.
 *
 * <p>Why this cache: {@code java.util.logging.LogManager} is loaded by the bootstrap loader and
 * keeps its singleton in the static field {@code LogManager.manager}; the root logger it holds
 * lives as long as the JVM, and so does the root logger's handler list. Adding a handler there is
 * what real job code does to route {@code java.util.logging} records of a library (gRPC and the
 * Google Cloud clients log through it) to its own sink, and it is exactly what
 * {@code org.slf4j.bridge.SLF4JBridgeHandler.install()} does when jul-to-slf4j is shaded into a
 * job jar. The path is all strong references:
 * {@code LogManager.manager -> LogManager.rootLogger -> Logger.config -> handlers
 * (CopyOnWriteArrayList) -> Object[] -> StaticCacheJob$JobLogHandler -> its class -> the job's
 * ChildFirstClassLoader}.
 *
 * <p>Caches that were considered and not used, because on JDK 17 they do not pin a loader
 * strongly (so they would not show a deterministic leak): {@code java.beans.Introspector} (the
 * BeanInfo holds its class through weak/soft references), {@code ObjectStreamClass}'s caches
 * (soft references) and custom {@code java.util.logging.Level}s ({@code KnownLevel} is weak since
 * JDK 9). The type cache of Jackson's {@code TypeFactory} is strong, but the only copy in Flink's
 * lib/ is the shaded one, which job code should not use and which Flink itself clears when it
 * releases a job's loader (FLINK-29834).
 *
 * <p>{@link StaticCacheFixedJob} removes the handler in close().
 *
 * Arguments: [count]   (default 1000)
 */
public final class StaticCacheJob {

    /** A java.util.logging handler that forwards records to the job's own sink. */
    static final class JobLogHandler extends Handler {
        // A little per-job payload so the pinned loader holds some data besides classes.
        private final byte[] ballast = new byte[64 * 1024];

        @Override
        public void publish(LogRecord record) {
            if (record != null && ballast.length == 0) {
                throw new IllegalStateException();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    static final class InstallingMap extends RichMapFunction<Long, Long> {
        @Override
        public void open(OpenContext openContext) throws Exception {
            // Deliberately never removed: the bug under test.
            Logger.getLogger("").addHandler(new JobLogHandler());
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
                .map(new InstallingMap())
                .sinkTo(new DiscardingSink<>());
        env.execute("StaticCacheJob");
    }
}
