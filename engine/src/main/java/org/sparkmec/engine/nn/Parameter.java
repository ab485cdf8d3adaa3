package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.Objects;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A trainable tensor of a layer and its gradient, of the same shape.
 *
 * <p>The layer owns both tensors (and closes them). The backward pass overwrites {@link #gradient()};
 * optimizers read it and update {@link #value()} in place. {@link #name()} is unique within a network
 * (e.g. {@code conv1.weight}) and keys optimizer state and checkpoints.
 */
public record Parameter(String name, Tensor value, Tensor gradient) {

    public Parameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(gradient, "gradient");
        if (!Arrays.equals(value.dims(), gradient.dims()) || value.layout() != gradient.layout()) {
            throw new IllegalArgumentException("parameter " + name + ": gradient " + gradient + " does not match value "
                    + value);
        }
    }

    /** Number of scalar values. */
    public long numElements() {
        return value.numElements();
    }
}
