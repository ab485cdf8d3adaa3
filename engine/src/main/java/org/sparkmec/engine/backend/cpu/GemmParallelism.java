package org.sparkmec.engine.backend.cpu;

import org.sparkmec.engine.config.ConfigEnums;

/**
 * How the CPU backend uses its threads for GEMM ({@code spark.mec.cpu.gemmParallelism}).
 */
public enum GemmParallelism {
    /** OpenBLAS's own threads: one GEMM at a time, each using all threads. */
    BLAS,
    /**
     * One OpenBLAS thread; independent GEMMs (or row or column blocks of them) run concurrently on the
     * backend's worker threads.
     */
    TASKS;

    public static GemmParallelism parse(String value) {
        return ConfigEnums.parse(GemmParallelism.class, value, "GEMM parallelism");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
