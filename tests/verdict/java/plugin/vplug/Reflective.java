package vplug;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;

/**
 * Item 7 of issue 15: a job that uses reflection on its own classes often, then leaks one of its
 * objects into a JVM-wide map (System properties). JDK 17 and older generate a constructor
 * accessor class (jdk.internal.reflect.GeneratedConstructorAccessorN) into a
 * DelegatingClassLoader under the job's loader after 15 calls; JDK 18 and later use method
 * handles, whose LambdaForms become hidden classes (LambdaForm$DMH/MH, customized for one
 * handle after some 100 calls). Neither is what holds the loader: the path must name
 * System.props.
 */
public class Reflective implements Runnable {
    /* Kept by the job (a class of its own), as libraries cache what they look up: what the JDK
     * generates for them is reachable, and so are their classes. */
    static Constructor<Payload> ctor;
    static Method touch;

    @Override
    public void run() {
        work(true);
    }

    /** The same reflection; with `leak` an object is left in System properties. */
    void work(boolean leak) {
        try {
            Object last = null;
            ctor = Payload.class.getDeclaredConstructor();
            for (int i = 0; i < 40; i++) {
                last = ctor.newInstance();
            }
            touch = Payload.class.getDeclaredMethod("touch", int.class);
            int sum = 0;
            for (int i = 0; i < 400; i++) {
                sum += (Integer) touch.invoke(last, i);
            }
            if (leak) {
                System.getProperties().put("vt.reflective." + vt.Counter.next(), last);
            }
            if (sum == 42) {
                System.out.println(sum);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static final class Payload {
        public Payload() {
        }

        public int touch(int i) {
            return i & 1;
        }
    }
}
