package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.Objects;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A tensor of a layer's state and its gradient (or update), of the same shape.
 *
 * <p>The layer owns both tensors (and closes them). {@link #name()} is unique within a network (e.g.
 * {@code conv1.weight}) and keys optimizer state and checkpoints. What {@link #gradient()} holds after a
 * training step depends on the {@link Kind}:
 * <ul>
 *   <li>{@link Kind#TRAINABLE}: the backward pass overwrites it with dLoss/dValue; optimizers read it and
 *       update {@link #value()} in place.</li>
 *   <li>{@link Kind#STATE}: non-trainable state that a training step changes (batch normalisation's running
 *       statistics); the step overwrites the gradient with the change of the value that the step's batch
 *       asks for, linear in the batch's statistics, so that the image-weighted average of several workers'
 *       changes is the change of their union. The owner of the model adds it to the value as is (no learning
 *       rate, momentum or weight decay; see the optimizers).</li>
 * </ul>
 * Both kinds travel in the same {@link ParameterVector} and checkpoints.
 */
public record Parameter(String name, Tensor value, Tensor gradient, Kind kind) {

    /** Whether the optimizer trains a parameter or the owner adds the step's state change to it. */
    public enum Kind {
        TRAINABLE,
        STATE
    }

    public Parameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(gradient, "gradient");
        Objects.requireNonNull(kind, "kind");
        if (!Arrays.equals(value.dims(), gradient.dims()) || value.layout() != gradient.layout()) {
            throw new IllegalArgumentException("parameter " + name + ": gradient " + gradient + " does not match value "
                    + value);
        }
    }

    /** A trainable parameter. */
    public Parameter(String name, Tensor value, Tensor gradient) {
        this(name, value, gradient, Kind.TRAINABLE);
    }

    /** Number of scalar values. */
    public long numElements() {
        return value.numElements();
    }

    public boolean trainable() {
        return kind == Kind.TRAINABLE;
    }
}
