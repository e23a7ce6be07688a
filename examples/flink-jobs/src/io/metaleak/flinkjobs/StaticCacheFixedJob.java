package io.metaleak.flinkjobs;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Same as {@link StaticCacheJob}, but the handler that open() added to the root logger of
 * java.util.logging is removed again in close(), so nothing outside the job points into its
 * class loader once Flink releases it.
 *
 * <p>close() runs when the task ends, fails or is cancelled. Code that cannot tie the cleanup to
 * one function instance (a library that installs its handler once per class loader, like
 * SLF4JBridgeHandler.install()) would register the removal with
 * {@code getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(name, hook)}
 * instead, as {@link HookFixedJob} does.
 *
 * Arguments: [count]   (default 1000)
 */
public final class StaticCacheFixedJob {

    static final class JobLogHandler extends Handler {
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

    static final class RemovingMap extends RichMapFunction<Long, Long> {
        private transient Handler handler;

        @Override
        public void open(OpenContext openContext) throws Exception {
            handler = new JobLogHandler();
            Logger.getLogger("").addHandler(handler);
        }

        @Override
        public Long map(Long value) {
            return value * 2;
        }

        @Override
        public void close() throws Exception {
            if (handler != null) {
                Logger.getLogger("").removeHandler(handler);
                handler = null;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 1000L;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, count)
                .map(new RemovingMap())
                .sinkTo(new DiscardingSink<>());
        env.execute("StaticCacheFixedJob");
    }
}
