package org.sparkmec.engine.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float32 tensor: a {@link Layout}, its dimensions, and the {@link FloatStorage} holding the
 * values row-major.
 *
 * <p>Ownership: a tensor owns its storage; {@link #close()} frees it and is idempotent. Once closed,
 * every access to the data ({@link #storage()}, get/set, copies, fills) throws
 * {@link IllegalStateException}; the shape ({@link #layout()}, {@link #dims()}, ...) stays readable for
 * error messages. Not thread-safe for concurrent writes to the same elements.
 */
public final class Tensor implements AutoCloseable {
    private final Layout layout;
    private final int[] dims;
    private final long numElements;
    private final FloatStorage storage;

    private Tensor(Layout layout, int[] dims, FloatStorage storage) {
        this.layout = layout;
        this.dims = dims;
        this.numElements = numElements(layout, dims);
        if (storage.length() != numElements) {
            throw new IllegalArgumentException("storage holds " + storage.length() + " floats but shape "
                    + Arrays.toString(dims) + " needs " + numElements);
        }
        this.storage = storage;
    }

    /**
     * Allocates a zero-filled tensor.
     *
     * @throws IllegalArgumentException if the number of dimensions differs from the layout's rank or a
     *                                  dimension is not positive
     */
    public static Tensor zeros(StorageAllocator allocator, Layout layout, int... dims) {
        Objects.requireNonNull(allocator, "allocator");
        int[] copy = dims.clone();
        long n = numElements(layout, copy);
        return new Tensor(layout, copy, allocator.allocate(n));
    }

    /** Allocates a tensor holding a copy of {@code values} (row-major, length = product of dims). */
    public static Tensor of(StorageAllocator allocator, Layout layout, float[] values, int... dims) {
        long n = numElements(layout, dims);
        if (values.length != n) {
            throw new IllegalArgumentException("got " + values.length + " values for a " + layout + " tensor of shape "
                    + Arrays.toString(dims) + " (" + layout.dimensionNames() + "), expected " + n);
        }
        Tensor t = zeros(allocator, layout, dims);
        t.storage.copyFrom(values, 0, 0, values.length);
        return t;
    }

    private static long numElements(Layout layout, int[] dims) {
        Objects.requireNonNull(layout, "layout");
        if (dims.length != layout.rank()) {
            throw new IllegalArgumentException("a " + layout + " tensor (" + layout.dimensionNames() + ") has rank "
                    + layout.rank() + ", got " + dims.length + " dimensions " + Arrays.toString(dims));
        }
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException("dimension " + i + " of " + layout + " shape " + Arrays.toString(dims)
                        + " is " + dims[i] + "; every dimension must be positive");
            }
            n = Math.multiplyExact(n, dims[i]);
        }
        return n;
    }

    public Layout layout() {
        return layout;
    }

    /** Size of dimension {@code i} (0-based, in the layout's order). */
    public int dim(int i) {
        return dims[i];
    }

    public int[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long numElements() {
        return numElements;
    }

    public long byteSize() {
        return numElements * Float.BYTES;
    }

    /** The storage, for kernels. Throws if closed. */
    public FloatStorage storage() {
        checkOpen();
        return storage;
    }

    public boolean isClosed() {
        return storage.isClosed();
    }

    /** Value at row-major flat index {@code i}. */
    public float get(long i) {
        checkIndex(i);
        float[] one = new float[1];
        storage.copyTo(i, one, 0, 1);
        return one[0];
    }

    /** Sets the value at row-major flat index {@code i}. */
    public void set(long i, float value) {
        checkIndex(i);
        storage.copyFrom(new float[] {value}, 0, i, 1);
    }

    /** Copies all values into a new heap array (row-major). */
    public float[] toArray() {
        checkOpen();
        if (numElements > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + numElements + " elements does not fit a Java array");
        }
        float[] out = new float[(int) numElements];
        storage.copyTo(0, out, 0, out.length);
        return out;
    }

    /** Overwrites all values from {@code values} (row-major, same element count). */
    public void copyFrom(float[] values) {
        checkOpen();
        if (values.length != numElements) {
            throw new IllegalArgumentException("got " + values.length + " values for a tensor of " + numElements
                    + " elements, shape " + Arrays.toString(dims));
        }
        storage.copyFrom(values, 0, 0, values.length);
    }

    /** Sets every element to zero. */
    public void fillZero() {
        checkOpen();
        storage.fillZero(0, numElements);
    }

    private void checkIndex(long i) {
        checkOpen();
        if (i < 0 || i >= numElements) {
            throw new IndexOutOfBoundsException("index " + i + " outside [0, " + numElements + ") of shape "
                    + Arrays.toString(dims));
        }
    }

    /** @throws IllegalStateException if the tensor was closed */
    public void checkOpen() {
        if (storage.isClosed()) {
            throw new IllegalStateException("use of a closed " + layout + " tensor of shape " + Arrays.toString(dims));
        }
    }

    /** Frees the storage. Idempotent. */
    @Override
    public void close() {
        storage.close();
    }

    @Override
    public String toString() {
        return "Tensor[" + layout + " " + Arrays.toString(dims) + (isClosed() ? ", closed" : "") + "]";
    }
}
