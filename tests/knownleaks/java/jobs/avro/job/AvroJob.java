package job;

import java.io.ByteArrayOutputStream;
import kltest.Job;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * A job that reads its Avro specific records with Avro from Flink's lib/: the reader resolves the
 * record class through the shared SpecificData.get() singleton, whose classCache keeps the job's
 * class (found through the thread's context class loader): only the first job's loader leaks,
 * and every later job reads records of the first job's class. The fix: give the reader a
 * SpecificData of the job's own loader, new SpecificData(jobClassLoader), that dies with the job.
 */
public final class AvroJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        SpecificData model = fixed ? new SpecificData(AvroJob.class.getClassLoader())
                                   : SpecificData.get();
        User u = new User();
        u.put(0, "ann");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<User>(User.SCHEMA$, model).write(u, enc);
        enc.flush();
        SpecificDatumReader<Object> reader = new SpecificDatumReader<>(User.SCHEMA$, User.SCHEMA$, model);
        Object back = reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        // From the second job on, the shared cache hands out the FIRST job's job.User: the
        // "X cannot be cast to X" of Flink's documentation, had this job cast it.
        if (!back.getClass().getName().equals("job.User")) {
            throw new IllegalStateException("read back a " + back.getClass());
        }
    }
}
