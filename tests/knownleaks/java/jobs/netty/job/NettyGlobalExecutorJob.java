package job;

import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.TimeUnit;
import kltest.Job;

/**
 * A job that uses Netty from Flink's lib/ (or from a plugin shared by jobs) and is the first to
 * touch GlobalEventExecutor: its singleton is built while the job's code is on the stack, and the
 * exception it keeps for terminationFuture() records that stack, the job's classes included
 * (netty/netty#14615). The fix: initialise GlobalEventExecutor outside of job code (or a Netty
 * with the fix).
 */
public final class NettyGlobalExecutorJob implements Job {
    @Override
    public void run(boolean fixed) throws Exception {
        GlobalEventExecutor.INSTANCE.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }
}
