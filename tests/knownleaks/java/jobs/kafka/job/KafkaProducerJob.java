package job;

import java.time.Duration;
import java.util.Properties;
import kltest.Job;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A sink that creates a KafkaProducer and never closes it (the fix: close() it in close()). */
public final class KafkaProducerJob implements Job {
    @Override
    public void run(boolean fixed) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9"); // nothing listens: the sender just retries
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        if (fixed) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
