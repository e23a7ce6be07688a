package vplug;

/** The same reflection as Reflective, and no leak: its loader (with the reflection helper loaders
 * or hidden classes the JDK made for it) must be unloaded. */
public class ReflectiveClean implements Runnable {
    @Override
    public void run() {
        new Reflective().work(false);
    }
}
