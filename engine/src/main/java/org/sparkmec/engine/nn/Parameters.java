package org.sparkmec.engine.nn;

import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.StorageAllocator;
import org.sparkmec.engine.tensor.Tensor;

/** Allocation of parameters: a zero value and a zero gradient of the same shape. */
final class Parameters {
    private Parameters() {
    }

    static Parameter of(StorageAllocator allocator, String name, Layout layout, int... dims) {
        Tensor value = Tensor.zeros(allocator, layout, dims);
        try {
            return new Parameter(name, value, Tensor.zeros(allocator, layout, dims));
        } catch (RuntimeException e) {
            value.close();
            throw e;
        }
    }
}
