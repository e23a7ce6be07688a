package job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.type.TypeFactory;
import kltest.Job;

/**
 * A job that serializes its own type with Jackson from Flink's lib/ (BEAM-6460): the shared
 * TypeFactory.defaultInstance() caches the JavaType of the job's class, for good. The fix (a
 * release hook): TypeFactory.defaultInstance().clearCache(), or keep Jackson in the job jar.
 */
public final class JacksonJob implements Job {
    /** The job's own record type. */
    public static final class Event {
        public String name = "e";
        public long time = 1;
    }

    @Override
    public void run(boolean fixed) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String json = mapper.writeValueAsString(new Event());
        mapper.readValue(json, Event.class);
        if (fixed) {
            TypeFactory.defaultInstance().clearCache();
        }
    }
}
