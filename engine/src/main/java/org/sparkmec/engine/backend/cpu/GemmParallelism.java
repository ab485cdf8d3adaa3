package org.sparkmec.engine.backend.cpu;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

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
        for (GemmParallelism p : values()) {
            if (p.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown GEMM parallelism '" + value + "'; expected one of "
                + Arrays.stream(values()).map(GemmParallelism::configName).collect(Collectors.joining("|")));
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
