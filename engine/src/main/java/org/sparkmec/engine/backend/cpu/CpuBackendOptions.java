package org.sparkmec.engine.backend.cpu;

import java.util.Objects;

/**
 * Settings of the CPU backend.
 *
 * @param threads         worker threads (and OpenBLAS threads in {@link GemmParallelism#BLAS} mode), at least 1
 * @param gemmParallelism how GEMMs use the threads
 */
public record CpuBackendOptions(int threads, GemmParallelism gemmParallelism) {

    public CpuBackendOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("CPU threads must be at least 1, got " + threads);
        }
        Objects.requireNonNull(gemmParallelism, "gemmParallelism");
    }

    /** All available processors, {@link GemmParallelism#TASKS}. */
    public static CpuBackendOptions defaults() {
        return new CpuBackendOptions(Runtime.getRuntime().availableProcessors(), GemmParallelism.TASKS);
    }
}
