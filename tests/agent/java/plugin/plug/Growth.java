package plug;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Growth that is not a leak: three lambda classes and two dynamic proxy classes, defined by
 * the plugin's loader. Kept alive in a static list of its own class (so in its own loader).
 */
public class Growth implements Runnable {
    static final List<Object> KEEP = new ArrayList<>();

    interface A {
        int a();
    }

    interface B {
        int b();
    }

    @Override
    public void run() {
        Supplier<String> s1 = () -> "one";
        Supplier<String> s2 = () -> "two";
        Runnable r3 = () -> KEEP.size();
        InvocationHandler h = (proxy, method, args) -> 0;
        ClassLoader cl = Growth.class.getClassLoader();
        KEEP.add(s1);
        KEEP.add(s2);
        KEEP.add(r3);
        KEEP.add(Proxy.newProxyInstance(cl, new Class<?>[] {A.class}, h));
        KEEP.add(Proxy.newProxyInstance(cl, new Class<?>[] {B.class}, h));
    }
}
