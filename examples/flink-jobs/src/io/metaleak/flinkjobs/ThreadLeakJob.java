package io.metaleak.flinkjobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Leaks its user-code class loader: the map function starts a thread in open() and never stops it.
 * The thread's Runnable is an instance of a class defined by the job's ChildFirstClassLoader, so the
 * live thread keeps that loader (and every class it defined) reachable after the job has finished
 * and Flink has closed the loader.
 *
 * Arguments: [count] [daemon|non-daemon]   (defaults: 1000, daemon)
 */
public final class ThreadLeakJob {

    /** Started in open(); deliberately never stopped. */
    static final class Sleeper implements Runnable {
        // A little per-job payload so the pinned loader holds some data besides classes.
        private final byte[] ballast = new byte[64 * 1024];

        @Override
        public void run() {
            while (true) {
                try {
                    Thread.sleep(60_000L);
                } catch (InterruptedException e) {
                    // ignore: the bug under test is that nobody stops this thread
                }
                if (ballast.length == 0) {
                    return;
                }
            }
        }
    }

    static final class LeakyMap extends RichMapFunction<Long, Long> {
        private final boolean daemon;

        LeakyMap(boolean daemon) {
            this.daemon = daemon;
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            Thread t = new Thread(new Sleeper(),
                    "metaleak-test-leaked-thread-" + getRuntimeContext().getJobInfo().getJobId());
            t.setDaemon(daemon);
            t.start();
        }

        @Override
        public Long map(Long value) {
            return value * 2;
        }
    }

    public static void main(String[] args) throws Exception {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 1000L;
        boolean daemon = args.length <= 1 || !"non-daemon".equals(args[1]);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, count)
                .map(new LeakyMap(daemon))
                .sinkTo(new DiscardingSink<>());
        env.execute("ThreadLeakJob");
    }
}
