package knownjobs;

import java.util.Properties;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A map function that creates a KafkaConsumer in open() (to look up the latest offsets of a
 * side topic) and never closes it; kafka-clients is bundled in the job jar, as the Kafka
 * connector is. The consumer's app-info and metrics MBeans stay registered in the platform
 * MBean server (known leak kafka-client-not-closed).
 */
public final class KafkaConsumerJob {
    static final class Offsets extends RichMapFunction<Long, Long> {
        private transient KafkaConsumer<String, String> consumer;

        @Override
        public void open(OpenContext openContext) {
            Properties p = new Properties();
            p.put("bootstrap.servers", "127.0.0.1:9"); // never polled: it connects to nothing
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
        }

        @Override
        public Long map(Long value) {
            return value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Offsets()).sinkTo(new DiscardingSink<>());
        env.execute("KafkaConsumerJob");
    }
}
