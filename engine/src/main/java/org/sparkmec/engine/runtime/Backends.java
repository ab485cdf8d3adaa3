package org.sparkmec.engine.runtime;

import java.util.OptionalInt;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.CudaMath;
import org.sparkmec.engine.conv.ConvAutoTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and creates the backend once, and logs the choice (and, for {@code auto}, why the CPU was taken).
 * {@link #create(BackendKind, int, String, CudaMath, CpuBackendOptions)} takes typed arguments; the overloads read
 * them from an {@link EngineConf} ({@code spark.mec.backend}, {@code spark.mec.cuda.*}, {@code spark.mec.cpu.*}) and
 * attach the table of {@code auto} convolution decisions ({@code spark.mec.conv.autoTable}) to the backend.
 */
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
        int ordinal = assignedGpu.orElse(conf.get(EngineConf.CUDA_DEVICE));
        String source = assignedGpu.isPresent() ? "assigned by the scheduler" : EngineConf.CUDA_DEVICE.key();
        Backend backend = create(conf.get(EngineConf.BACKEND), ordinal, source, conf.get(EngineConf.CUDA_MATH),
                conf.cpuOptions());
        ConvAutoTable table = conf.convAutoTable();
        ConvAutoTable.attach(backend, table);
        LOG.info("conv2d algorithm auto: decisions kept in {} ({})", table, EngineConf.CONV_AUTO_TABLE.key());
        return backend;
    }

    /**
     * Creates a backend of the requested kind.
     *
     * @param requested  {@code CPU}, {@code CUDA} (fails if the GPU cannot be used) or {@code AUTO} (the GPU when
     *                   it can be used, else the CPU, with the reason logged)
     * @param gpuOrdinal the GPU (the driver's numbering) for CUDA and AUTO
     * @param gpuSource  where the ordinal came from, for messages (a configuration key or the scheduler)
     * @param math       the arithmetic of the CUDA backend's fused kernels (fp32 or tf32)
     * @param cpu        the CPU backend's options, for CPU and for AUTO's fallback
     * @throws IllegalStateException if {@code CUDA} is requested and cannot be used, naming the GPU, its source
     *                               and the reason
     */
    public static Backend create(BackendKind requested, int gpuOrdinal, String gpuSource, CudaMath math,
                                 CpuBackendOptions cpu) {
        Backend backend = switch (requested) {
            case CUDA -> {
                try {
                    yield new CudaBackend(gpuOrdinal, math);
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("spark.mec.backend=cuda was requested but GPU " + gpuOrdinal + " ("
                            + gpuSource + ") cannot be used: " + e.getMessage(), e);
                }
            }
            case AUTO -> {
                String reason = CudaBackend.unavailableReason();
                if (reason == null) {
                    try {
                        yield new CudaBackend(gpuOrdinal, math);
                    } catch (RuntimeException | LinkageError e) {
                        reason = "GPU " + gpuOrdinal + " (" + gpuSource + ") cannot be used: " + e.getMessage();
                    }
                }
                LOG.info("spark.mec.backend=auto: using the CPU backend because {}", reason);
                yield new CpuBackend(cpu);
            }
            case CPU -> new CpuBackend(cpu);
        };
        LOG.info("MEC engine backend: {}", backend.description());
        return backend;
    }
}
