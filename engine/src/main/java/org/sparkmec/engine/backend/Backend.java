package org.sparkmec.engine.backend;

import java.util.Optional;
import org.sparkmec.engine.tensor.StorageAllocator;

/**
 * The engine's one backend seam: buffers, GEMM and the data-movement kernels of the convolution
 * algorithms, implemented once for the CPU (OpenBLAS) and once for CUDA.
 *
 * <p>Buffers come from {@link #allocate} (zero-filled, tracked by {@link #memoryTracker()}); the
 * algorithms in {@code org.sparkmec.engine.conv} are written once against this interface. A backend
 * owns native resources (threads, library handles) and must be closed; close is idempotent.
 */
public interface Backend extends StorageAllocator, AutoCloseable {

    BackendKind kind();

    /** One line for logs and benchmark reports: library, version, kernel, threads. */
    String description();

    /** Runs the GEMM calls of {@code plan} (semantics of running them in list order). */
    void gemm(GemmPlan plan);

    /** The data-movement kernels (lowering, permutation, scatter-add, bias). */
    ConvKernels kernels();

    /** The element-wise and pooling kernels of the network layers. */
    NnKernels nnKernels();

    /**
     * MEC's window products as fused kernels, when this backend has them; MEC then runs them instead of
     * its per-window GEMM plans. Empty by default.
     */
    default Optional<MecWindowKernels> mecWindowKernels() {
        return Optional.empty();
    }

    /**
     * The optimizers' updates as kernels, when this backend's buffers live where the host cannot update them
     * cheaply (CUDA); the optimizers then update parameters in place on the device. Empty by default: the
     * host optimizers read and write the buffers directly.
     */
    default Optional<OptimizerKernels> optimizerKernels() {
        return Optional.empty();
    }

    /**
     * Waits until every operation issued so far has finished. A no-op for synchronous backends (CPU);
     * the CUDA backend runs asynchronously, so timings must call this before reading the clock.
     */
    default void synchronize() {
    }

    @Override
    void close();
}
