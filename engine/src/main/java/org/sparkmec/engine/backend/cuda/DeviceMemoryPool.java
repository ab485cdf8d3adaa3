package org.sparkmec.engine.backend.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A caching allocator of device memory, so that a training step, which allocates and frees the same
 * sizes every time, calls {@code cuMemAlloc} only in its first step.
 *
 * <p>Sizes are rounded up to a size class (powers of two below 1 MiB, whole MiB above; at least 512
 * bytes) and freed blocks are kept per class for reuse. Reuse is safe without synchronisation because
 * every kernel, copy and cuBLAS call of the backend runs on one stream in issue order: work enqueued
 * after a block is reused runs after the work of its previous owner. When {@code cuMemAlloc} runs out
 * of memory the cached blocks are freed and the allocation retried once.
 *
 * <p>Counters: live (handed out, by rounded size), cached, reserved (= live + cached), peaks, and the
 * number of {@code cuMemAlloc} calls. Not thread-safe on its own: the backend serialises calls.
 */
final class DeviceMemoryPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceMemoryPool.class);
    private static final long MIB = 1L << 20;

    private final Map<Long, ArrayDeque<CUdeviceptr>> free = new TreeMap<>();
    private long liveBytes;
    private long cachedBytes;
    private long peakLiveBytes;
    private long peakReservedBytes;
    private long deviceAllocations;
    private boolean closed;

    /** The size class of a request of {@code bytes}. */
    static long sizeClass(long bytes) {
        long b = Math.max(512, bytes);
        if (b >= MIB) {
            return (b + MIB - 1) / MIB * MIB;
        }
        return Long.highestOneBit(b - 1) << 1;
    }

    /** A block of at least {@code bytes}; its size class is {@link #sizeClass}. */
    synchronized CUdeviceptr take(long bytes) {
        if (closed) {
            throw new IllegalStateException("the device memory pool is closed");
        }
        long size = sizeClass(bytes);
        ArrayDeque<CUdeviceptr> blocks = free.get(size);
        CUdeviceptr p;
        if (blocks != null && !blocks.isEmpty()) {
            p = blocks.pop();
            cachedBytes -= size;
        } else {
            p = allocate(size);
        }
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        peakReservedBytes = Math.max(peakReservedBytes, liveBytes + cachedBytes);
        return p;
    }

    /** Returns a block taken for {@code bytes}, for reuse. */
    synchronized void give(CUdeviceptr block, long bytes) {
        long size = sizeClass(bytes);
        liveBytes -= size;
        if (closed) {
            // Closed with the backend: its context, and with it every allocation of the context, is gone
            // once released, so a late close has nothing left to free.
            try {
                JCudaDriver.cuMemFree(block);
            } catch (CudaException e) {
                LOG.debug("GPU buffer closed after its backend: {}", e.getMessage());
            }
            return;
        }
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(block);
        cachedBytes += size;
    }

    private CUdeviceptr allocate(long size) {
        CUdeviceptr p = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(p, size);
        } catch (CudaException e) {
            if (cachedBytes == 0) {
                throw outOfMemory(size, e);
            }
            LOG.info("cuMemAlloc of {} bytes failed ({}); freeing {} cached bytes and retrying", size, e.getMessage(),
                    cachedBytes);
            releaseCached();
            try {
                JCudaDriver.cuMemAlloc(p, size);
            } catch (CudaException again) {
                throw outOfMemory(size, again);
            }
        }
        deviceAllocations++;
        return p;
    }

    private OutOfMemoryError outOfMemory(long size, CudaException cause) {
        OutOfMemoryError e = new OutOfMemoryError("GPU allocation of " + size + " bytes failed with " + liveBytes
                + " bytes live in this backend: " + cause.getMessage());
        e.initCause(cause);
        return e;
    }

    /** Frees every cached block (cuMemFree). */
    synchronized void releaseCached() {
        for (ArrayDeque<CUdeviceptr> blocks : free.values()) {
            for (CUdeviceptr p : blocks) {
                JCudaDriver.cuMemFree(p);
            }
        }
        free.clear();
        cachedBytes = 0;
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    synchronized long peakLiveBytes() {
        return peakLiveBytes;
    }

    synchronized long peakReservedBytes() {
        return peakReservedBytes;
    }

    /** How many times {@code cuMemAlloc} was called (a steady training step adds none). */
    synchronized long deviceAllocations() {
        return deviceAllocations;
    }

    /** Frees the cached blocks; blocks still live are freed when given back. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        releaseCached();
        closed = true;
        if (liveBytes != 0) {
            LOG.warn("device memory pool closed with {} bytes still live (freed when their owners close)", liveBytes);
        }
    }
}
