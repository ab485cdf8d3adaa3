package org.sparkmec.jobs;

import java.util.Map;
import org.sparkmec.engine.runtime.EngineConf;
import picocli.CommandLine.Option;

/**
 * The engine options {@code train} and {@code bench} share (a picocli mixin): {@code --backend} and
 * {@code --threads}, each setting its {@code spark.mec.*} key only when given.
 */
final class EngineOptions {
    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", description = "Backend (spark.mec.backend; default cpu): "
            + "in process this one's, on Spark every worker's (train) or executor's (bench).")
    String backend;

    @Option(names = "--threads", description = "CPU threads per engine (spark.mec.cpu.threads; default: in process all "
            + "cores, on Spark the task's cores).")
    Integer threads;

    /** Puts the options given into {@code settings} under their keys. */
    void putInto(Map<String, String> settings) {
        CliSettings.putIfSet(settings, EngineConf.BACKEND.key(), backend);
        CliSettings.putIfSet(settings, EngineConf.CPU_THREADS.key(), threads);
    }
}
