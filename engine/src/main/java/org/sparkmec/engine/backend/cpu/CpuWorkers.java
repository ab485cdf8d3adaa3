package org.sparkmec.engine.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CPU backend's worker threads: splits an index range into one contiguous block per thread and
 * runs the blocks concurrently, the calling thread taking the first block. With one thread everything
 * runs on the caller. Blocks must write disjoint memory.
 */
final class CpuWorkers implements AutoCloseable {

    /** Work over the half-open index range {@code [start, end)}. */
    @FunctionalInterface
    interface RangeBody {
        void run(long start, long end);
    }

    private final int threads;
    private final ExecutorService pool;

    CpuWorkers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("CPU threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            this.pool = null;
        } else {
            AtomicInteger ids = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "mec-cpu-worker-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, count)} split into at most {@link #threads()} blocks. */
    void forEachRange(long count, RangeBody body) {
        int blocks = (int) Math.min(threads, count);
        if (blocks <= 1) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(blocks - 1);
        for (int b = 1; b < blocks; b++) {
            long start = count * b / blocks;
            long end = count * (b + 1) / blocks;
            futures.add(pool.submit(() -> body.run(start, end)));
        }
        Throwable failure = null;
        try {
            body.run(0, count / blocks);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("CPU worker failed", failure);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
