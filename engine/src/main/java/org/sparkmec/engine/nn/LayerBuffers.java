package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.StorageAllocator;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A tensor a layer reuses from call to call, reallocated only when the shape changes (e.g. the last,
 * smaller batch of an epoch). Closing frees it; idempotent.
 */
final class LayerBuffers implements AutoCloseable {
    private final StorageAllocator allocator;
    private Tensor tensor;
    private long maxBytes;

    LayerBuffers(StorageAllocator allocator) {
        this.allocator = allocator;
    }

    /** A tensor of this layout and dims, zero-filled when new; previous content otherwise. */
    Tensor get(Layout layout, int... dims) {
        if (tensor == null || tensor.layout() != layout || !Arrays.equals(tensor.dims(), dims)) {
            close();
            tensor = Tensor.zeros(allocator, layout, dims);
            maxBytes = Math.max(maxBytes, tensor.byteSize());
        }
        return tensor;
    }

    /** The largest tensor held so far, in bytes (batches of different sizes reallocate). */
    long bytes() {
        return maxBytes;
    }

    @Override
    public void close() {
        if (tensor != null) {
            tensor.close();
            tensor = null;
        }
    }
}
