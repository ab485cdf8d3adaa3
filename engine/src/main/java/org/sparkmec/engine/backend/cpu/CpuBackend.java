package org.sparkmec.engine.backend.cpu;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * The CPU backend: native host buffers, OpenBLAS {@code cblas_sgemm} and Java data-movement kernels.
 *
 * <p>Threads: in {@link GemmParallelism#BLAS} mode OpenBLAS runs each GEMM on {@code threads} threads;
 * in {@link GemmParallelism#TASKS} mode OpenBLAS is set to one thread and the backend runs independent
 * GEMMs (or row blocks of one GEMM) concurrently on its workers. The OpenBLAS thread count is
 * process-wide: use one CPU backend per JVM. Calls into one backend must come from one thread at a time.
 */
public final class CpuBackend implements Backend {
    private final CpuBackendOptions options;
    private final MemoryTracker tracker;
    private final CpuWorkers workers;
    private final CpuConvKernels kernels;
    private final CpuNnKernels nnKernels;
    private final CpuMecWindowKernels mecWindowKernels;
    private final HostBufferCache cache;
    private final AtomicBoolean closed = new AtomicBoolean();

    public CpuBackend(CpuBackendOptions options) {
        this(options, new MemoryTracker("cpu"));
    }

    public CpuBackend(CpuBackendOptions options, MemoryTracker tracker) {
        this.options = options;
        this.tracker = tracker;
        this.workers = new CpuWorkers(options.threads());
        this.kernels = new CpuConvKernels(workers);
        this.nnKernels = new CpuNnKernels(workers);
        this.mecWindowKernels = new CpuMecWindowKernels(workers, kernels, options.gemmParallelism());
        this.cache = new HostBufferCache(options.bufferCacheBytes(), tracker);
        OpenBlas.setThreads(options.gemmParallelism() == GemmParallelism.BLAS ? options.threads() : 1);
    }

    public CpuBackendOptions options() {
        return options;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String description() {
        return "CPU: OpenBLAS " + OpenBlas.version() + " (bytedeco), kernel " + OpenBlas.coreName()
                + " (" + OpenBlas.coreTypeSource() + ")"
                + ", " + options.threads() + " threads, GEMM parallelism " + options.gemmParallelism().configName()
                + " (OpenBLAS threads " + OpenBlas.threads() + "), buffer cache " + (cache.capacityBytes() >> 20) + " MiB";
    }

    @Override
    public FloatStorage allocate(long length) {
        checkOpen();
        return new HostFloatStorage(length, true, tracker, cache);
    }

    @Override
    public FloatStorage allocateForOverwrite(long length) {
        checkOpen();
        return new HostFloatStorage(length, false, tracker, cache);
    }

    @Override
    public MemoryTracker memoryTracker() {
        return tracker;
    }

    @Override
    public ConvKernels kernels() {
        checkOpen();
        return kernels;
    }

    @Override
    public NnKernels nnKernels() {
        checkOpen();
        return nnKernels;
    }

    /** MEC's windows as tiles of stacked images written straight to NHWC ({@link CpuMecWindowKernels}). */
    @Override
    public Optional<MecWindowKernels> mecWindowKernels() {
        checkOpen();
        return Optional.of(mecWindowKernels);
    }

    @Override
    public void gemm(GemmPlan plan) {
        checkOpen();
        HostFloatStorage a = HostFloatStorage.of(plan.a());
        HostFloatStorage b = HostFloatStorage.of(plan.b());
        HostFloatStorage c = HostFloatStorage.of(plan.c());
        int m = plan.m();
        int n = plan.n();
        switch (strategy(plan)) {
            case SEQUENTIAL -> {
                for (int i = 0; i < plan.count(); i++) {
                    call(plan, i, 0, m, 0, n, a, b, c);
                }
            }
            case DISTRIBUTE_CALLS -> workers.forEachRange(plan.count(), (i0, i1) -> {
                for (long i = i0; i < i1; i++) {
                    call(plan, (int) i, 0, m, 0, n, a, b, c);
                }
            });
            case SPLIT_COLUMNS -> workers.forEachRange(n, (c0, c1) -> {
                for (int i = 0; i < plan.count(); i++) {
                    call(plan, i, 0, m, (int) c0, (int) c1, a, b, c);
                }
            });
            case SPLIT_ROWS -> workers.forEachRange(m, (r0, r1) -> {
                // Rows of different indices never share memory in the engine's plans (see GemmPlan), so
                // each block may run every call in order even when the calls' outputs overlap.
                for (int i = 0; i < plan.count(); i++) {
                    call(plan, i, (int) r0, (int) r1, 0, n, a, b, c);
                }
            });
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /** How a plan's work is spread over the threads. */
    enum Strategy {
        /** One call after another on the caller (one thread, or OpenBLAS already set to all threads). */
        SEQUENTIAL,
        /** Whole calls spread over the workers (disjoint outputs only). */
        DISTRIBUTE_CALLS,
        /** Column blocks of C, each worker running every call (disjoint outputs only). */
        SPLIT_COLUMNS,
        /** Row blocks of C, each worker running every call in order. */
        SPLIT_ROWS
    }

    Strategy strategy(GemmPlan plan) {
        int threads = workers.threads();
        GemmParallelism mode = options.gemmParallelism();
        if (threads == 1 || mode == GemmParallelism.BLAS) {
            return Strategy.SEQUENTIAL;
        }
        boolean disjoint = plan.outputs() == GemmPlan.Outputs.DISJOINT;
        boolean evenCalls = plan.count() % threads == 0 || plan.count() >= 8 * threads;
        if (disjoint && evenCalls) {
            return Strategy.DISTRIBUTE_CALLS;
        }
        if (disjoint && plan.n() > plan.m()) {
            return Strategy.SPLIT_COLUMNS;
        }
        return Strategy.SPLIT_ROWS;
    }

    /** Runs call {@code i} of the plan restricted to rows {@code [r0, r1)} and columns {@code [c0, c1)} of C. */
    private static void call(GemmPlan p, int i, int r0, int r1, int c0, int c1, HostFloatStorage a,
                             HostFloatStorage b, HostFloatStorage c) {
        long aOffset = p.aOffset(i) + (p.transA() == Transpose.NONE ? (long) r0 * p.lda() : r0);
        long bOffset = p.bOffset(i) + (p.transB() == Transpose.NONE ? c0 : (long) c0 * p.ldb());
        long cOffset = p.cOffset(i) + (long) r0 * p.ldc() + c0;
        OpenBlas.sgemm(p.transA(), p.transB(), r1 - r0, c1 - c0, p.k(), p.alpha(), a, aOffset, p.lda(),
                b, bOffset, p.ldb(), p.beta(), c, cOffset, p.ldc());
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the CPU backend is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            workers.close();
            mecWindowKernels.close();
            cache.close();
        }
    }
}
