package plug;

/** One of ten small plugin classes; each loader in the stress test defines all ten. */
public class C1 {
    public int value() {
        return 1;
    }
}
