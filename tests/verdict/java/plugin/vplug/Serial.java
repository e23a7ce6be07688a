package vplug;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * Defect 6: serializes and deserializes an object of its own class, as a job's state or
 * records are. On JDK 11.0.13 serialization caches the class's ObjectStreamClass (soft
 * reference) with a serialization constructor generated into a DelegatingClassLoader whose
 * parent is this job's loader. Nothing else is kept: the job is clean.
 */
public class Serial implements Runnable {
    @Override
    public void run() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(new Payload(42));
            }
            try (ObjectInputStream in = new ObjectInputStream(
                    new ByteArrayInputStream(bytes.toByteArray())) {
                @Override
                protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
                        throws java.io.IOException, ClassNotFoundException {
                    return Class.forName(desc.getName(), false, Serial.class.getClassLoader());
                }
            }) {
                Payload p = (Payload) in.readObject();
                if (p.value != 42) {
                    throw new IllegalStateException("bad payload");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Its superclass Base is serializable too and has a no-arg constructor chain. */
    static class Base implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    static final class Payload extends Base {
        private static final long serialVersionUID = 1L;
        final int value;

        Payload(int value) {
            this.value = value;
        }
    }
}
