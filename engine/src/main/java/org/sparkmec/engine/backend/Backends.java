package org.sparkmec.engine.backend;

import java.util.OptionalInt;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.config.EngineConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses and creates the backend once, from {@code spark.mec.backend}, and logs the choice. */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** Creates the configured backend on GPU {@code spark.mec.cuda.device} when CUDA is chosen. */
    public static Backend create(EngineConf conf) {
        return create(conf, OptionalInt.empty());
    }

    /**
     * Creates the configured backend.
     *
     * @param assignedGpu the GPU address a scheduler (Spark's GPU resources) assigned to this task: used
     *                    instead of {@code spark.mec.cuda.device}; never enumerates other GPUs
     * @throws IllegalStateException if {@code cuda} is requested and cannot be used, with the reason
     */
    public static Backend create(EngineConf conf, OptionalInt assignedGpu) {
        BackendKind requested = conf.get(EngineConf.BACKEND);
        int ordinal = assignedGpu.orElse(conf.get(EngineConf.CUDA_DEVICE));
        String source = assignedGpu.isPresent() ? "assigned by the scheduler" : EngineConf.CUDA_DEVICE.key();
        Backend backend = switch (requested) {
            case CUDA -> {
                try {
                    yield new CudaBackend(ordinal, conf.get(EngineConf.CUDA_MATH));
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("spark.mec.backend=cuda was requested but GPU " + ordinal + " ("
                            + source + ") cannot be used: " + e.getMessage(), e);
                }
            }
            case AUTO -> {
                String reason = CudaBackend.unavailableReason();
                if (reason == null) {
                    try {
                        yield new CudaBackend(ordinal, conf.get(EngineConf.CUDA_MATH));
                    } catch (RuntimeException | LinkageError e) {
                        reason = "GPU " + ordinal + " (" + source + ") cannot be used: " + e.getMessage();
                    }
                }
                LOG.info("spark.mec.backend=auto: using the CPU backend because {}", reason);
                yield new CpuBackend(conf.cpuOptions());
            }
            case CPU -> new CpuBackend(conf.cpuOptions());
        };
        LOG.info("MEC engine backend: {}", backend.description());
        return backend;
    }
}
