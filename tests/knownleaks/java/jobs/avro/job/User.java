package job;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/** A specific record of the job, as avro-maven-plugin generates it (trimmed). */
public final class User extends SpecificRecordBase {
    public static final Schema SCHEMA$ = new Schema.Parser().parse(
        "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"job\","
        + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}");
    private CharSequence name;

    public static Schema getClassSchema() {
        return SCHEMA$;
    }

    @Override
    public Schema getSchema() {
        return SCHEMA$;
    }

    @Override
    public Object get(int field) {
        return name;
    }

    @Override
    public void put(int field, Object value) {
        name = (CharSequence) value;
    }
}
