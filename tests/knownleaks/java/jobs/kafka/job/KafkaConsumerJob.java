package job;

import java.time.Duration;
import java.util.Properties;
import kltest.Job;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A source that creates a KafkaConsumer and never closes it: no thread (it is never polled), but
 * AppInfoParser's app-info MBean and JmxReporter's metrics MBeans stay registered.
 */
public final class KafkaConsumerJob implements Job {
    @Override
    public void run(boolean fixed) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        if (fixed) {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
