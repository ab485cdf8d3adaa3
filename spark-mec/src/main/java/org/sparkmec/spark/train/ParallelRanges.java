package org.sparkmec.spark.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits an index range {@code [0, n)} into contiguous shards and runs one body per shard on the driver's
 * cores: the calling thread takes the first shard, a JVM-wide pool of daemon threads the others. Every index
 * is processed exactly once and by one thread, so element-wise work gives the same result however it is
 * split.
 *
 * <p>Thread-safety: {@link #run} may be called from any thread; calls from several threads share the pool.
 */
final class ParallelRanges {
    /** Below this many elements per shard, handing a shard to another thread costs more than it saves. */
    static final int MIN_SHARD = 1 << 15;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** The work on one shard {@code [from, to)}. */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    private final int parallelism;
    private final int minShard;

    /**
     * @param parallelism the most shards (threads, the caller included) per call, at least 1
     * @param minShard    the fewest elements per shard, at least 1
     */
    ParallelRanges(int parallelism, int minShard) {
        if (parallelism < 1 || minShard < 1) {
            throw new IllegalArgumentException("parallelism and shard size must be at least 1, got " + parallelism
                    + " and " + minShard);
        }
        this.parallelism = parallelism;
        this.minShard = minShard;
    }

    /** One shard per available core of this JVM, of at least {@link #MIN_SHARD} elements. */
    static ParallelRanges perCore() {
        return new ParallelRanges(Runtime.getRuntime().availableProcessors(), MIN_SHARD);
    }

    int parallelism() {
        return parallelism;
    }

    /** The number of shards {@link #run} uses for {@code n} elements. */
    int shards(int n) {
        return (int) Math.max(1, Math.min(parallelism, (long) n / minShard));
    }

    /** Start of shard {@code k} of {@code shards} over {@code n} elements (multiples of 16 but the end). */
    static int shardStart(int n, int shards, int k) {
        if (k >= shards) {
            return n;
        }
        long start = (long) n * k / shards;
        return (int) Math.min(n, start & ~15L);
    }

    /**
     * Runs {@code body} on every shard of {@code [0, n)} and returns when all are done.
     *
     * @return the CPU time the other threads spent on their shards (ns); the caller's own is its to measure
     * @throws RuntimeException the first failure of a shard, after every shard has finished
     */
    long run(int n, Body body) {
        int shards = shards(n);
        if (shards == 1) {
            body.run(0, n);
            return 0;
        }
        List<Future<Long>> others = new ArrayList<>(shards - 1);
        for (int k = 1; k < shards; k++) {
            int from = shardStart(n, shards, k);
            int to = shardStart(n, shards, k + 1);
            others.add(Pool.EXECUTOR.submit(() -> {
                long c0 = THREADS.getCurrentThreadCpuTime();
                body.run(from, to);
                return THREADS.getCurrentThreadCpuTime() - c0;
            }));
        }
        RuntimeException failure = null;
        try {
            body.run(0, shardStart(n, shards, 1));
        } catch (RuntimeException e) {
            failure = e;
        }
        long cpu = 0;
        boolean interrupted = false;
        for (Future<Long> f : others) {
            while (true) {
                try {
                    cpu += f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r
                                : new IllegalStateException("a shard of the driver's update failed: " + e.getCause(),
                                e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        return cpu;
    }

    /** The JVM's shard threads: daemons, created on first use, one fewer than the cores (the caller works too). */
    private static final class Pool {
        private static final AtomicInteger COUNT = new AtomicInteger();
        static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(
                Math.max(1, Runtime.getRuntime().availableProcessors() - 1), r -> {
                    Thread t = new Thread(r, "mec-driver-shard-" + COUNT.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }
}
