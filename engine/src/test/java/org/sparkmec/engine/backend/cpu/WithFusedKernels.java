package org.sparkmec.engine.backend.cpu;

import java.util.Optional;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * A backend that is {@code backend} but for its fused MEC kernels, which are {@code fused} (kernels with
 * forced splits, run through {@code MecConvolution}). Closing it closes nothing: the caller closes both.
 */
final class WithFusedKernels implements Backend {
    private final Backend backend;
    private final MecWindowKernels fused;

    WithFusedKernels(Backend backend, MecWindowKernels fused) {
        this.backend = backend;
        this.fused = fused;
    }

    @Override
    public BackendKind kind() {
        return backend.kind();
    }

    @Override
    public String description() {
        return backend.description() + ", other fused kernels";
    }

    @Override
    public void gemm(GemmPlan plan) {
        backend.gemm(plan);
    }

    @Override
    public ConvKernels kernels() {
        return backend.kernels();
    }

    @Override
    public NnKernels nnKernels() {
        return backend.nnKernels();
    }

    @Override
    public Optional<MecWindowKernels> mecWindowKernels() {
        return Optional.of(fused);
    }

    @Override
    public FloatStorage allocate(long length) {
        return backend.allocate(length);
    }

    @Override
    public FloatStorage allocateForOverwrite(long length) {
        return backend.allocateForOverwrite(length);
    }

    @Override
    public MemoryTracker memoryTracker() {
        return backend.memoryTracker();
    }

    @Override
    public void close() {
    }
}
