package org.sparkmec.engine.model;

import java.util.List;

/**
 * Element-wise sum of two or more inputs of the same shape (a residual connection); output shape = that shape.
 * Its inputs must be named ({@code inputs = [a, b]}).
 *
 * @param name unique layer name
 */
public record AddSpec(String name) implements MergeSpec {

    public AddSpec {
        Checks.layerName(name);
    }

    @Override
    public LayerType type() {
        return LayerType.ADD;
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> inputs) {
        Checks.twoOrMoreInputs(this, inputs.size());
        ActivationShape first = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            if (!first.equals(inputs.get(i))) {
                throw SpecViolation.ofLayer(name, ModelKeys.INPUTS, "add needs inputs of one shape, got " + first
                        + " (input 1) and " + inputs.get(i) + " (input " + (i + 1) + ")");
            }
        }
        return first;
    }
}
