package org.sparkmec.engine.nn;

import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.StorageAllocator;
import org.sparkmec.engine.tensor.Tensor;

/** Allocation of parameters: a zero value and a zero gradient of the same shape. */
final class Parameters {
    private Parameters() {
    }

    static Parameter of(StorageAllocator allocator, String name, Layout layout, int... dims) {
        return of(allocator, name, Parameter.Kind.TRAINABLE, layout, dims);
    }

    static Parameter of(StorageAllocator allocator, String name, Parameter.Kind kind, Layout layout, int... dims) {
        Tensor value = Tensor.zeros(allocator, layout, dims);
        try {
            return new Parameter(name, value, Tensor.zeros(allocator, layout, dims), kind);
        } catch (RuntimeException e) {
            value.close();
            throw e;
        }
    }

    /** Sets every element of {@code p}'s value to {@code v}. */
    static void fill(Parameter p, float v) {
        float[] values = new float[(int) p.numElements()];
        java.util.Arrays.fill(values, v);
        p.value().storage().copyFrom(values, 0, 0, values.length);
    }
}
