package org.sparkmec.engine.backend.cpu;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * Floats in native host memory ({@code calloc}, or a buffer reused from the {@link HostBufferCache}),
 * readable by OpenBLAS through JavaCPP with no copy. Close releases the memory once (the pointer is
 * swapped to null atomically), to the cache or the C heap, and reports it to the tracker.
 */
final class HostFloatStorage implements FloatStorage {
    private final long length;
    private final MemoryTracker tracker;
    private final HostBufferCache cache;
    private final AtomicReference<Pointer> memory;
    private final long address;

    /**
     * @param zeroFill whether the floats must start at zero (else their content is unspecified)
     * @param cache    where freed memory goes for reuse, and new memory may come from
     */
    HostFloatStorage(long length, boolean zeroFill, MemoryTracker tracker, HostBufferCache cache) {
        if (length < 0) {
            throw new IllegalArgumentException("cannot allocate " + length + " floats; the length must be 0 or more");
        }
        this.length = length;
        this.tracker = Objects.requireNonNull(tracker);
        this.cache = Objects.requireNonNull(cache);
        long bytes = Math.max(1, length) * Float.BYTES;
        Pointer p = length == 0 ? null : cache.take(bytes);
        if (p != null) {
            if (zeroFill) {
                NativeMemory.zero(p.address(), bytes);
            }
        } else {
            p = Pointer.calloc(Math.max(1, length), Float.BYTES);
            if (p == null || p.isNull()) {
                cache.clear();
                p = Pointer.calloc(Math.max(1, length), Float.BYTES);
            }
            if (p == null || p.isNull()) {
                throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
            }
        }
        this.memory = new AtomicReference<>(p);
        this.address = p.address();
        tracker.allocated(byteSize());
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isClosed() {
        return memory.get() == null;
    }

    /** Base address; callers must hold the storage open while they use it. */
    long address() {
        checkOpen();
        return address;
    }

    /** Address of float {@code offset}, unchecked. */
    long addressOf(long offset) {
        return address + offset * Float.BYTES;
    }

    /** A JavaCPP view at float {@code offset}, for BLAS calls. */
    FloatPointer pointerAt(long offset) {
        Pointer p = memory.get();
        if (p == null) {
            throw new IllegalStateException("use of a closed native buffer of " + length + " floats");
        }
        return new FloatPointer(p).position(offset);
    }

    @Override
    public void copyFrom(float[] src, int srcOffset, long offset, int count) {
        checkRange(offset, count);
        Objects.checkFromIndexSize(srcOffset, count, src.length);
        NativeMemory.copyFromArray(src, srcOffset, addressOf(offset), count);
    }

    @Override
    public void copyTo(long offset, float[] dst, int dstOffset, int count) {
        checkRange(offset, count);
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        NativeMemory.copyToArray(addressOf(offset), dst, dstOffset, count);
    }

    @Override
    public void fillZero(long offset, long count) {
        checkRange(offset, count);
        NativeMemory.zero(addressOf(offset), count * Float.BYTES);
    }

    private void checkRange(long offset, long count) {
        checkOpen();
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + count) + ") outside a buffer of "
                    + length + " floats");
        }
    }

    private void checkOpen() {
        if (memory.get() == null) {
            throw new IllegalStateException("use of a closed native buffer of " + length + " floats");
        }
    }

    @Override
    public void close() {
        Pointer p = memory.getAndSet(null);
        if (p != null) {
            tracker.released(byteSize());
            if (length == 0 || !cache.give(p, length * Float.BYTES)) {
                Pointer.free(p);
            }
        }
    }

    /** Casts a storage handed to the CPU backend; anything else is a wiring error. */
    static HostFloatStorage of(FloatStorage storage) {
        if (storage instanceof HostFloatStorage h) {
            h.checkOpen();
            return h;
        }
        throw new IllegalArgumentException("the CPU backend needs host storage, got " + storage.getClass().getName());
    }
}
