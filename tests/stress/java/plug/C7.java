package plug;

/** One of ten small plugin classes; each loader in the stress test defines all ten. */
public class C7 {
    public int value() {
        return 7;
    }
}
