package job;

import com.fasterxml.jackson.databind.ObjectMapper;
import kltest.Job;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A Beam pipeline translated on a thread the job does not own (Flink's JobManager translates it
 * on a pooled jobmanager-io thread): reading a PipelineOptions value back from JSON goes through
 * PipelineOptionsFactory's DESERIALIZATION_CONTEXT, a ThreadLocal (Beam 2.37 to 2.53,
 * apache/beam#29890) that keeps a Jackson DeserializationContext of the job's jar on that thread.
 * The fix: Beam 2.54+ (apache/beam#29952); Flink >= 1.14.3 runs each jar's main() on a fresh
 * thread (FLINK-25022).
 */
public final class BeamOptionsJob implements Job {
    /** The pipeline's own options. */
    public interface Options extends PipelineOptions {
        String getInput();

        void setInput(String value);
    }

    @Override
    public void run(boolean fixed) throws Exception {
        Options o = PipelineOptionsFactory.fromArgs("--input=/tmp/in").as(Options.class);
        ObjectMapper mapper = new ObjectMapper()
            .registerModules(ObjectMapper.findModules(BeamOptionsJob.class.getClassLoader()));
        String json = mapper.writeValueAsString(o);
        Options back = mapper.readValue(json, PipelineOptions.class).as(Options.class);
        if (!"/tmp/in".equals(back.getInput())) {
            throw new IllegalStateException("read back " + back.getInput());
        }
    }
}
