package org.sparkmec.engine.backend.cuda;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;

/**
 * One GPU as the backend uses it: its primary context and a cuBLAS handle, on the legacy default
 * stream (so every kernel, copy and GEMM runs in issue order).
 *
 * <p>Thread affinity: a CUDA context is current per thread. Every public operation of the backend calls
 * {@link #makeCurrent()} first, so the backend may be used from any thread, one at a time.
 */
final class CudaDevice implements AutoCloseable {
    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final cublasHandle cublas = new cublasHandle();
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int multiprocessors;
    private final long totalBytes;
    private boolean closed;

    /**
     * @param ordinal the driver's device number (Spark's GPU address)
     * @throws IllegalArgumentException if no GPU has that number
     */
    CudaDevice(int ordinal) {
        int count = CudaLibraries.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("GPU " + ordinal + " does not exist: the driver sees " + count
                    + " GPU(s), numbered 0.." + (count - 1));
        }
        this.ordinal = ordinal;
        JCudaDriver.cuDeviceGet(device, ordinal);
        byte[] raw = new byte[256];
        JCudaDriver.cuDeviceGetName(raw, raw.length, device);
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        this.name = new String(raw, 0, end, StandardCharsets.US_ASCII);
        this.computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = new long[1];
        JCudaDriver.cuDeviceTotalMem(total, device);
        this.totalBytes = total[0];
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        JCudaDriver.cuCtxSetCurrent(context);
        JCublas2.cublasCreate(cublas);
    }

    private int attribute(int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attribute, device);
        return v[0];
    }

    /** Makes this GPU's context current on the calling thread. */
    void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("GPU " + ordinal + " was released by this backend");
        }
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Waits until every operation issued so far has finished (and surfaces asynchronous errors). */
    void synchronize() {
        makeCurrent();
        JCudaDriver.cuCtxSynchronize();
    }

    cublasHandle cublas() {
        return cublas;
    }

    int ordinal() {
        return ordinal;
    }

    String name() {
        return name;
    }

    int computeMajor() {
        return computeMajor;
    }

    int computeMinor() {
        return computeMinor;
    }

    /** Streaming multiprocessors (132 on an H100/H200 SXM): the fused kernels size their grids by it. */
    int multiprocessors() {
        return multiprocessors;
    }

    long totalBytes() {
        return totalBytes;
    }

    int cublasVersion() {
        int[] v = new int[1];
        JCublas2.cublasGetVersion(cublas, v);
        return v[0];
    }

    static int driverVersion() {
        int[] v = new int[1];
        JCudaDriver.cuDriverGetVersion(v);
        return v[0];
    }

    /** Destroys the cuBLAS handle and releases the primary context. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        JCudaDriver.cuCtxSetCurrent(context);
        JCudaDriver.cuCtxSynchronize();
        JCublas2.cublasDestroy(cublas);
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
        closed = true;
    }
}
