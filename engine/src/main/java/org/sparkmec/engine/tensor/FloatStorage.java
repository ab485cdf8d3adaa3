package org.sparkmec.engine.tensor;

/**
 * A flat array of float32 values in native (off-heap) or device memory, owned by the caller that
 * allocated it.
 *
 * <p>Contract: the memory is zero-filled on allocation; {@link #close()} frees it and is idempotent;
 * any other call after close throws {@link IllegalStateException}. Offsets and lengths are in floats.
 * Element access is not synchronized: concurrent writers must touch disjoint ranges.
 */
public interface FloatStorage extends AutoCloseable {

    /** Number of floats. */
    long length();

    /** Size in bytes ({@code 4 * length()}). */
    default long byteSize() {
        return length() * Float.BYTES;
    }

    boolean isClosed();

    /** Copies {@code length} floats from {@code src[srcOffset..]} into this storage at {@code offset}. */
    void copyFrom(float[] src, int srcOffset, long offset, int length);

    /** Copies {@code length} floats from this storage at {@code offset} into {@code dst[dstOffset..]}. */
    void copyTo(long offset, float[] dst, int dstOffset, int length);

    /** Sets {@code length} floats from {@code offset} to zero. */
    void fillZero(long offset, long length);

    /** Frees the memory. Idempotent. */
    @Override
    void close();
}
