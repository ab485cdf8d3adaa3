package org.sparkmec.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.memory.MemoryTracker;
import org.sparkmec.engine.tensor.FloatStorage;

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
    private final AtomicBoolean closed = new AtomicBoolean();

    public CpuBackend(CpuBackendOptions options) {
        this(options, new MemoryTracker("cpu"));
    }

    public CpuBackend(CpuBackendOptions options, MemoryTracker tracker) {
        this.options = options;
        this.tracker = tracker;
        this.workers = new CpuWorkers(options.threads());
        this.kernels = new CpuConvKernels(workers);
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
        String coreType = System.getenv(OpenBlas.CORE_TYPE_ENV);
        return "CPU: OpenBLAS " + OpenBlas.version() + " (bytedeco), kernel " + OpenBlas.coreName()
                + (coreType == null ? " (automatic)" : " (" + OpenBlas.CORE_TYPE_ENV + "=" + coreType + ")")
                + ", " + options.threads() + " threads, GEMM parallelism " + options.gemmParallelism().configName()
                + " (OpenBLAS threads " + OpenBlas.threads() + ")";
    }

    @Override
    public FloatStorage allocate(long length) {
        checkOpen();
        return new HostFloatStorage(length, tracker);
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
    public void gemm(GemmPlan plan) {
        checkOpen();
        HostFloatStorage a = HostFloatStorage.of(plan.a());
        HostFloatStorage b = HostFloatStorage.of(plan.b());
        HostFloatStorage c = HostFloatStorage.of(plan.c());
        int threads = workers.threads();
        if (options.gemmParallelism() == GemmParallelism.BLAS || threads == 1) {
            for (int i = 0; i < plan.count(); i++) {
                call(plan, i, 0, plan.m(), a, b, c);
            }
        } else if (plan.outputs() == GemmPlan.Outputs.DISJOINT
                && (plan.count() % threads == 0 || plan.count() >= 8 * threads)) {
            workers.forEachRange(plan.count(), (i0, i1) -> {
                for (long i = i0; i < i1; i++) {
                    call(plan, (int) i, 0, plan.m(), a, b, c);
                }
            });
        } else {
            // Few calls, or calls writing overlapping C: split the rows of C, each block running all calls in order.
            workers.forEachRange(plan.m(), (r0, r1) -> {
                for (int i = 0; i < plan.count(); i++) {
                    call(plan, i, (int) r0, (int) r1, a, b, c);
                }
            });
        }
    }

    /** Runs call {@code i} of the plan restricted to rows {@code [r0, r1)} of op(A) and C. */
    private static void call(GemmPlan p, int i, int r0, int r1, HostFloatStorage a, HostFloatStorage b,
                             HostFloatStorage c) {
        long aOffset = p.aOffset(i) + (p.transA() == Transpose.NONE ? (long) r0 * p.lda() : r0);
        long cOffset = p.cOffset(i) + (long) r0 * p.ldc();
        OpenBlas.sgemm(p.transA(), p.transB(), r1 - r0, p.n(), p.k(), p.alpha(), a, aOffset, p.lda(),
                b, p.bOffset(i), p.ldb(), p.beta(), c, cOffset, p.ldc());
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
        }
    }
}
