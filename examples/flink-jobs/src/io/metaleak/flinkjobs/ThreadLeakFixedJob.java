package io.metaleak.flinkjobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Same as {@link ThreadLeakJob}, but the thread is stopped (interrupt + join) in close(),
 * so the job's class loader can be collected once Flink releases it.
 *
 * Arguments: [count]   (default 1000)
 */
public final class ThreadLeakFixedJob {

    static final class Sleeper implements Runnable {
        private final byte[] ballast = new byte[64 * 1024];

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(60_000L);
                } catch (InterruptedException e) {
                    return;
                }
                if (ballast.length == 0) {
                    return;
                }
            }
        }
    }

    static final class StoppingMap extends RichMapFunction<Long, Long> {
        private transient Thread thread;

        @Override
        public void open(OpenContext openContext) throws Exception {
            thread = new Thread(new Sleeper(),
                    "metaleak-test-stopped-thread-" + getRuntimeContext().getJobInfo().getJobId());
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public Long map(Long value) {
            return value * 2;
        }

        @Override
        public void close() throws Exception {
            if (thread != null) {
                thread.interrupt();
                thread.join(10_000L);
                thread = null;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 1000L;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, count)
                .map(new StoppingMap())
                .sinkTo(new DiscardingSink<>());
        env.execute("ThreadLeakFixedJob");
    }
}
