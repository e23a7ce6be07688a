package io.metaleak.flinkjobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A bounded job that leaves nothing behind: fromSequence -> map -> discarding sink.
 *
 * Arguments: [count]   (default 1000)
 */
public final class CleanJob {

    static final class Double implements MapFunction<Long, Long> {
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
                .map(new Double())
                .sinkTo(new DiscardingSink<>());
        env.execute("CleanJob");
    }
}
