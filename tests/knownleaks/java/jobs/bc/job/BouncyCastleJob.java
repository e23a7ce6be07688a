package job;

import java.security.MessageDigest;
import java.security.Security;
import kltest.Job;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * A job that installs BouncyCastle from its jar as a JCA provider (for a signature or a digest
 * the JDK lacks): java.security.Security keeps the provider, a class of the job, in the JVM-wide
 * provider list. A provider named "BC" is added once: later jobs get the first job's provider
 * (so only the first loader leaks, and every later job runs the first job's BouncyCastle). The fix (close() or a release hook): Security.removeProvider("BC"), or put
 * bcprov in lib/ and install it once.
 */
public final class BouncyCastleJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        MessageDigest.getInstance("SHA3-256", "BC").digest(new byte[] {1, 2, 3});
        if (fixed) {
            Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
        }
    }
}
