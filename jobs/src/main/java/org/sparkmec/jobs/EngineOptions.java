package org.sparkmec.jobs;

import java.util.Map;
import org.sparkmec.engine.runtime.EngineConf;
import picocli.CommandLine.Option;

/**
 * The engine options {@code train} and {@code bench} share (a picocli mixin): {@code --backend},
 * {@code --threads} and {@code --cuda-math}, each setting its {@code spark.mec.*} key only when given.
 */
final class EngineOptions {
    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", description = "Backend (spark.mec.backend; default cpu): "
            + "in process this one's, on Spark every worker's (train) or executor's (bench).")
    String backend;

    @Option(names = "--threads", description = "CPU threads per engine (spark.mec.cpu.threads; default: in process all "
            + "cores, on Spark the task's cores).")
    Integer threads;

    @Option(names = "--cuda-math", paramLabel = "fp32|tf32", description = "GPU arithmetic of the convolutions "
            + "(spark.mec.cuda.math; default fp32): tf32 runs them on tensor cores with TF32 operands.")
    String cudaMath;

    /** Puts the options given into {@code settings} under their keys. */
    void putInto(Map<String, String> settings) {
        CliSettings.putIfSet(settings, EngineConf.BACKEND.key(), backend);
        CliSettings.putIfSet(settings, EngineConf.CPU_THREADS.key(), threads);
        CliSettings.putIfSet(settings, EngineConf.CUDA_MATH.key(), cudaMath);
    }
}
