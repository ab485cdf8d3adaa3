package org.sparkmec.engine.backend.cuda;

import java.util.Objects;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * Floats in GPU memory, a block of the backend's {@link DeviceMemoryPool}. Host copies
 * ({@link #copyFrom}, {@link #copyTo}) are synchronous and ordered after all earlier work of the
 * backend (legacy default stream); {@link #fillZero} is asynchronous and ordered likewise. Close gives
 * the block back to the pool once (idempotent) and reports it to the tracker.
 */
final class DeviceFloatStorage implements FloatStorage {
    private final long length;
    private final CudaDevice device;
    private final DeviceMemoryPool pool;
    private final MemoryTracker tracker;
    private CUdeviceptr block;

    DeviceFloatStorage(long length, boolean zeroFill, CudaDevice device, DeviceMemoryPool pool, MemoryTracker tracker) {
        if (length < 0) {
            throw new IllegalArgumentException("cannot allocate " + length + " floats; the length must be 0 or more");
        }
        this.length = length;
        this.device = device;
        this.pool = pool;
        this.tracker = tracker;
        device.makeCurrent();
        this.block = pool.take(Math.max(1, length) * Float.BYTES);
        if (zeroFill && length > 0) {
            JCudaDriver.cuMemsetD32Async(block, 0, length, null);
        }
        tracker.allocated(byteSize());
    }

    /** The device storage behind {@code storage}, which must come from a CUDA backend. */
    static DeviceFloatStorage of(FloatStorage storage) {
        Objects.requireNonNull(storage, "storage");
        if (storage instanceof DeviceFloatStorage d) {
            return d;
        }
        throw new IllegalArgumentException("expected GPU memory of the CUDA backend, got " + storage.getClass().getSimpleName()
                + " (tensors of different backends cannot be mixed)");
    }

    /**
     * The raw device address of float {@code offset}, for arrays of pointers (batched GEMM). JCuda keeps
     * a pointer's address in a protected accessor, read once per JVM by reflection.
     */
    long address(long offset) {
        return DeviceAddresses.of(pointer()) + offset * Float.BYTES;
    }

    /** The device address of float {@code offset}. */
    CUdeviceptr at(long offset) {
        CUdeviceptr p = pointer();
        return offset == 0 ? p : p.withByteOffset(offset * Float.BYTES);
    }

    private CUdeviceptr pointer() {
        CUdeviceptr p = block;
        if (p == null) {
            throw new IllegalStateException("GPU buffer of " + length + " floats is closed");
        }
        return p;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isClosed() {
        return block == null;
    }

    @Override
    public void copyFrom(float[] src, int srcOffset, long offset, int count) {
        check(offset, count);
        device.makeCurrent();
        JCudaDriver.cuMemcpyHtoD(at(offset), Pointer.to(src).withByteOffset((long) srcOffset * Float.BYTES),
                (long) count * Float.BYTES);
    }

    @Override
    public void copyTo(long offset, float[] dst, int dstOffset, int count) {
        check(offset, count);
        device.makeCurrent();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset((long) dstOffset * Float.BYTES), at(offset),
                (long) count * Float.BYTES);
    }

    @Override
    public void fillZero(long offset, long count) {
        check(offset, count);
        if (count > 0) {
            device.makeCurrent();
            JCudaDriver.cuMemsetD32Async(at(offset), 0, count, null);
        }
    }

    private void check(long offset, long count) {
        pointer();
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IndexOutOfBoundsException("floats [" + offset + ", " + (offset + count) + ") outside a GPU buffer of "
                    + length);
        }
    }

    @Override
    public synchronized void close() {
        CUdeviceptr p = block;
        if (p == null) {
            return;
        }
        block = null;
        pool.give(p, Math.max(1, length) * Float.BYTES);
        tracker.released(byteSize());
    }

    @Override
    public String toString() {
        return "DeviceFloatStorage[" + length + " floats on GPU " + device.ordinal() + (block == null ? ", closed]" : "]");
    }
}
