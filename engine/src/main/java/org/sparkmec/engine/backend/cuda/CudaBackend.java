package org.sparkmec.engine.backend.cuda;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.backend.OptimizerKernels;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * The CUDA backend: GPU buffers from a caching pool, cuBLAS (JCublas2) GEMMs and NVRTC-compiled
 * kernels, everything on one GPU and in issue order on its legacy default stream, so a training step
 * stays on the GPU: the host sees only the input batch, the labels and the loss.
 *
 * <p>Asynchrony: operations return once issued; host copies ({@link FloatStorage#copyTo}) and
 * {@link #synchronize()} wait. Thread affinity: each operation makes the GPU's context current on the
 * calling thread; one thread at a time may use a backend (as for the CPU backend).
 *
 * <p>Memory: {@link #memoryTracker()} counts bytes of live buffers as requested (the same numbers as
 * on the CPU); {@link #poolStats()} adds the pool's view (size-class rounding, cached blocks, peaks,
 * cuMemAlloc calls).
 */
public final class CudaBackend implements Backend {
    /** Device memory as the allocator sees it: live and cached blocks (rounded sizes), peaks, cuMemAlloc calls. */
    public record PoolStats(long liveBytes, long cachedBytes, long peakLiveBytes, long peakReservedBytes,
                            long deviceAllocations) {
    }

    private final CudaDevice device;
    private final DeviceMemoryPool pool = new DeviceMemoryPool();
    private final MemoryTracker tracker;
    private final MemoryTracker internalTracker = new MemoryTracker("cuda-internal");
    private final CudaModule module;
    private final CudaConvKernels kernels;
    private final CudaNnKernels nnKernels;
    private final CudaOptimizerKernels optimizerKernels;
    private final CudaGemm gemm;
    private final CudaMecWindowKernels mecWindowKernels;
    private final List<String> libraries;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Opens GPU {@code ordinal} (the driver's numbering, which is what Spark's GPU addresses are).
     *
     * @throws IllegalStateException    if CUDA cannot be used here, naming the reason
     * @throws IllegalArgumentException if there is no GPU {@code ordinal}
     */
    public CudaBackend(int ordinal) {
        this(ordinal, CudaMath.FP32);
    }

    /** GPU {@code ordinal} with the fused MEC kernels' arithmetic {@code math} ({@code spark.mec.cuda.math}). */
    public CudaBackend(int ordinal, CudaMath math) {
        this(ordinal, new MemoryTracker("cuda:" + ordinal), math);
    }

    public CudaBackend(int ordinal, MemoryTracker tracker) {
        this(ordinal, tracker, CudaMath.FP32);
    }

    public CudaBackend(int ordinal, MemoryTracker tracker, CudaMath math) {
        this.libraries = CudaLibraries.load();
        this.tracker = tracker;
        this.device = new CudaDevice(ordinal);
        CudaModule m = null;
        try {
            m = new CudaModule(device);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
        this.module = m;
        this.kernels = new CudaConvKernels(module);
        this.nnKernels = new CudaNnKernels(module);
        this.optimizerKernels = new CudaOptimizerKernels(module);
        this.gemm = new CudaGemm(this, device, kernels);
        this.mecWindowKernels = new CudaMecWindowKernels(this, module, kernels, device.multiprocessors(),
                CudaMecWindowKernels.effectiveMath(math, device.computeMajor()));
    }

    /** Whether CUDA can be used in this JVM; otherwise the reason (for {@code auto}'s log line). */
    public static String unavailableReason() {
        try {
            CudaLibraries.load();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    public int deviceOrdinal() {
        return device.ordinal();
    }

    /** The GPU's name as the driver reports it, e.g. {@code NVIDIA H100 80GB HBM3}. */
    public String deviceName() {
        return device.name();
    }

    @Override
    public String description() {
        int driver = CudaDevice.driverVersion();
        int cublas = device.cublasVersion();
        return "CUDA: GPU " + device.ordinal() + " " + device.name() + " (compute " + device.computeMajor() + "."
                + device.computeMinor() + ", " + (device.totalBytes() >> 20) + " MiB), driver " + driver / 1000 + "."
                + driver % 1000 / 10 + ", cuBLAS " + cublas / 10000 + "." + cublas / 100 % 100 + "." + cublas % 100
                + " (JCublas2, FP32), kernels NVRTC " + module.architecture() + " (fused MEC "
                + mecWindowKernels.math().name().toLowerCase(java.util.Locale.ROOT) + "); " + String.join(", ", libraries);
    }

    @Override
    public FloatStorage allocate(long length) {
        checkOpen();
        return new DeviceFloatStorage(length, true, device, pool, tracker);
    }

    @Override
    public FloatStorage allocateForOverwrite(long length) {
        checkOpen();
        return new DeviceFloatStorage(length, false, device, pool, tracker);
    }

    /**
     * A buffer for the backend's own bookkeeping (GEMM pointer arrays kept across calls): from the pool,
     * so it shows in {@link #poolStats()}, but not in {@link #memoryTracker()}, whose numbers are the
     * engine's buffers, the same as on the CPU.
     */
    FloatStorage allocateInternal(long length) {
        checkOpen();
        return new DeviceFloatStorage(length, false, device, pool, internalTracker);
    }

    @Override
    public MemoryTracker memoryTracker() {
        return tracker;
    }

    public PoolStats poolStats() {
        return new PoolStats(pool.liveBytes(), pool.cachedBytes(), pool.peakLiveBytes(), pool.peakReservedBytes(),
                pool.deviceAllocations());
    }

    @Override
    public void gemm(GemmPlan plan) {
        checkOpen();
        gemm.run(plan);
    }

    @Override
    public ConvKernels kernels() {
        checkOpen();
        return kernels;
    }

    /** MEC's fused window kernels ({@link CudaMecWindowKernels}): MEC's default solution on this backend. */
    @Override
    public Optional<MecWindowKernels> mecWindowKernels() {
        checkOpen();
        return Optional.of(mecWindowKernels);
    }

    @Override
    public NnKernels nnKernels() {
        checkOpen();
        return nnKernels;
    }

    /** The optimizers' updates on the GPU ({@link CudaOptimizerKernels}): no host copies of parameters. */
    @Override
    public Optional<OptimizerKernels> optimizerKernels() {
        checkOpen();
        return Optional.of(optimizerKernels);
    }

    /** Waits for every operation issued so far; surfaces errors of asynchronous kernels. */
    @Override
    public void synchronize() {
        checkOpen();
        device.synchronize();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
    }

    /** Waits for the GPU, frees the pool's cached memory, the module, cuBLAS and the context. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                device.synchronize();
                gemm.close();
                pool.close();
                module.close();
            } finally {
                device.close();
            }
        }
    }
}
