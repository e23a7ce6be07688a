package knownjobs;

import java.util.Properties;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A map function that creates a KafkaProducer in open() (a side output to Kafka, a lookup's
 * audit log) and never closes it; kafka-clients is bundled in the job jar, as the Kafka
 * connector is. The producer's app-info and metrics MBeans stay registered in the platform
 * MBean server (known leak kafka-client-not-closed).
 */
public final class KafkaProducerJob {
    static final class Audit extends RichMapFunction<Long, Long> {
        private transient KafkaProducer<String, String> producer;

        @Override
        public void open(OpenContext openContext) {
            Properties p = new Properties();
            p.put("bootstrap.servers", "127.0.0.1:9"); // nothing listens: the sender retries
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", StringSerializer.class.getName());
            p.put("reconnect.backoff.ms", "1000");
            producer = new KafkaProducer<>(p);
        }

        @Override
        public Long map(Long value) {
            return value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 100).map(new Audit()).sinkTo(new DiscardingSink<>());
        env.execute("KafkaProducerJob");
    }
}
