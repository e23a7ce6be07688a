package mltest;

/**
 * A class both on the host's class path and inside the plugin jar: a child-first loader that
 * defines its own copy shadows the host's (the inventory test of shadowed classes).
 */
public final class Shared {
    public static String where() {
        return String.valueOf(Shared.class.getClassLoader());
    }
}
