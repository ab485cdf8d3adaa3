package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * The content of an unsigned-byte IDX file: its dimension sizes and its data, row-major (the last
 * dimension varies fastest), as stored in the file.
 *
 * <p>{@link #data()} returns the array itself, not a copy (an MNIST training set holds 47 MB): callers
 * must not modify it. Values are unsigned: read them with {@link #unsignedByte(int)} or
 * {@code data()[i] & 0xFF}.
 *
 * @param source where the data came from (a file path), for error messages
 * @param dims   dimension sizes, all positive, in file order (MNIST images: count, rows, columns)
 * @param data   {@code product(dims)} bytes
 */
public record IdxData(String source, int[] dims, byte[] data) {

    public IdxData {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(data, "data");
        dims = dims.clone();
        if (dims.length == 0) {
            throw new IllegalArgumentException(source + ": an IDX array needs at least one dimension");
        }
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException(source + ": dimension " + i + " of " + Arrays.toString(dims) + " is "
                        + dims[i] + "; every dimension must be positive");
            }
            n *= dims[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(source + ": dimensions " + Arrays.toString(dims)
                        + " describe more bytes than a Java array holds");
            }
        }
        if (data.length != n) {
            throw new IllegalArgumentException(source + ": dimensions " + Arrays.toString(dims) + " describe " + n
                    + " bytes, got " + data.length);
        }
    }

    /** A copy of the dimension sizes. */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** Size of dimension {@code i} (0-based). */
    public int dim(int i) {
        return dims[i];
    }

    public int rank() {
        return dims.length;
    }

    /** The value at row-major flat index {@code i}, in [0, 255]. */
    public int unsignedByte(int i) {
        return data[i] & 0xFF;
    }

    /** Equal source, dimensions and data (by content). */
    @Override
    public boolean equals(Object o) {
        return o instanceof IdxData other && source.equals(other.source) && Arrays.equals(dims, other.dims)
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * source.hashCode() + Arrays.hashCode(dims)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "IdxData[" + source + ", dims " + Arrays.toString(dims) + "]";
    }
}
