package job;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import kltest.Job;

/**
 * A job with Netty in its jar that allocates a pooled buffer on a thread it does not own (a
 * callback of a client library, Flink's jobmanager-io pool): Netty keeps the thread's
 * InternalThreadLocalMap, a class of the job, in a plain ThreadLocal of that thread, with the
 * allocator's thread cache (FastThreadLocal). The fix: FastThreadLocal.removeAll() on that thread
 * when done.
 */
public final class NettyThreadLocalJob implements Job {
    @Override
    public void run(boolean fixed) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(64);
        buf.writeLong(42L);
        buf.release();
        if (fixed) {
            FastThreadLocal.removeAll();
        }
    }
}
