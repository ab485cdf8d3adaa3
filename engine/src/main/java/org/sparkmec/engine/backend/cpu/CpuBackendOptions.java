package org.sparkmec.engine.backend.cpu;

import java.util.Objects;

/**
 * Settings of the CPU backend.
 *
 * @param threads         worker threads (and OpenBLAS threads in {@link GemmParallelism#BLAS} mode), at least 1
 * @param gemmParallelism how GEMMs use the threads
 * @param bufferCacheBytes freed native buffers kept for reuse, at most this many bytes (0 disables)
 */
public record CpuBackendOptions(int threads, GemmParallelism gemmParallelism, long bufferCacheBytes) {

    public CpuBackendOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("CPU threads must be at least 1, got " + threads);
        }
        Objects.requireNonNull(gemmParallelism, "gemmParallelism");
        if (bufferCacheBytes < 0) {
            throw new IllegalArgumentException("buffer cache size must be 0 or more bytes, got " + bufferCacheBytes);
        }
    }

    public CpuBackendOptions(int threads, GemmParallelism gemmParallelism) {
        this(threads, gemmParallelism, defaultBufferCacheBytes());
    }

    /** A quarter of the machine's physical memory. */
    public static long defaultBufferCacheBytes() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize() / 4;
        }
        return 1L << 30;
    }

    /** All available processors, {@link GemmParallelism#TASKS}. */
    public static CpuBackendOptions defaults() {
        return new CpuBackendOptions(Runtime.getRuntime().availableProcessors(), GemmParallelism.TASKS);
    }
}
