package knownjobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A map function that renders the job's own record type as JSON with the Jackson in Flink's
 * lib/ (the job jar does not bundle it): the shared TypeFactory.defaultInstance() caches the
 * job's type for good (known leak jackson-type-factory-cache).
 */
public final class JacksonLibJob {
    /** The job's own record type. */
    public static final class Event {
        public long id;
        public String name = "e";
    }

    static final class ToJson extends RichMapFunction<Long, String> {
        private transient ObjectMapper mapper;

        @Override
        public void open(OpenContext openContext) {
            mapper = new ObjectMapper();
        }

        @Override
        public String map(Long value) throws Exception {
            Event e = new Event();
            e.id = value;
            return mapper.writeValueAsString(mapper.readValue(mapper.writeValueAsString(e),
                                                              Event.class));
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new ToJson()).sinkTo(new DiscardingSink<>());
        env.execute("JacksonLibJob");
    }
}
