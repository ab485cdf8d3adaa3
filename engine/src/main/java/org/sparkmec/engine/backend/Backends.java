package org.sparkmec.engine.backend;

import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.config.EngineConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses and creates the backend once, from {@code spark.mec.backend}, and logs the choice. */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * Creates the configured backend.
     *
     * @throws IllegalStateException if {@code cuda} is requested and cannot be used, with the reason
     */
    public static Backend create(EngineConf conf) {
        BackendKind requested = conf.get(EngineConf.BACKEND);
        String cudaUnavailable = "this build has no CUDA backend yet (CPU only)";
        switch (requested) {
            case CUDA:
                throw new IllegalStateException("spark.mec.backend=cuda was requested but CUDA cannot be used: "
                        + cudaUnavailable);
            case AUTO:
                LOG.warn("spark.mec.backend=auto: using the CPU backend because {}", cudaUnavailable);
                break;
            default:
                break;
        }
        CpuBackend cpu = new CpuBackend(conf.cpuOptions());
        LOG.info("MEC engine backend: {}", cpu.description());
        return cpu;
    }
}
