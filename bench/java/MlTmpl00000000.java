/* Template for DefineBench: compiled once, then its bytes are copied and the 14-character name
 * "MlTmpl00000000" is patched in every constant-pool string where it occurs (class name,
 * descriptors, SourceFile), which keeps every length unchanged. About 3 KB, 8 methods, 5 fields:
 * the shape of the class used in docs/performance.md and research note §1.3.
 * Default package on purpose: a hidden class must be in the package of its lookup class. */
import java.lang.invoke.MethodHandles;
import java.util.function.IntUnaryOperator;

public class MlTmpl00000000 implements IntUnaryOperator {
    static final int[] TABLE = new int[32];
    static long created;
    private int a;
    private int b;
    private long c;
    private String d;
    private final Object[] slots = new Object[4];

    static {
        for (int i = 0; i < TABLE.length; i++) {
            TABLE[i] = i * 31 + 7;
        }
        BenchSink.last = new MlTmpl00000000();
        BenchSink.lookup = MethodHandles.lookup(); /* full privilege, for hidden classes */
    }

    public MlTmpl00000000() {
        created++;
        a = TABLE[(int) (created & 31)];
        b = a ^ 0x5bd1e995;
        c = ((long) a << 32) | b;
        d = "t" + a;
    }

    @Override
    public int applyAsInt(int x) {
        int h = mix(x, a);
        for (int i = 0; i < 4; i++) {
            h = mix(h, TABLE[(x + i) & 31]);
        }
        return h ^ (int) c ^ hash(d);
    }

    static int mix(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    static int hash(String s) {
        int h = 0;
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    public Object slot(int i) {
        if (i < 0 || i >= slots.length) {
            throw new IndexOutOfBoundsException("slot " + i + " of " + slots.length);
        }
        return slots[i];
    }

    public void put(int i, Object o) {
        if (o == null) {
            throw new NullPointerException("value");
        }
        slots[i & 3] = o;
        b += o.hashCode();
    }

    public long state() {
        long s = c;
        s = s * 6364136223846793005L + 1442695040888963407L;
        s ^= (s >>> 33);
        s += a - b;
        return s;
    }

    @Override
    public String toString() {
        return "MlTmpl[a=" + a + ", b=" + b + ", c=" + c + ", d=" + d + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MlTmpl00000000)) {
            return false;
        }
        MlTmpl00000000 t = (MlTmpl00000000) o;
        return a == t.a && b == t.b && c == t.c && d.equals(t.d);
    }

    @Override
    public int hashCode() {
        return mix(a, b) ^ (int) (c >>> 7);
    }
}
