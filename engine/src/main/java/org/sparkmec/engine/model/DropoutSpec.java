package org.sparkmec.engine.model;

/**
 * Inverted dropout: while training, each value is zeroed with probability {@code rate} and the others are scaled
 * by {@code 1 / (1 - rate)}; at inference it passes values through. Output shape = input shape.
 *
 * @param name unique layer name
 * @param rate probability of zeroing a value, in [0, 1)
 */
public record DropoutSpec(String name, double rate) implements LayerSpec {

    public DropoutSpec {
        Checks.layerName(name);
        if (!(rate >= 0 && rate < 1)) {
            throw SpecViolation.ofLayer(name, ModelKeys.RATE, "rate must be in [0, 1) (the probability of zeroing a"
                    + " value), got " + rate);
        }
    }

    @Override
    public LayerType type() {
        return LayerType.DROPOUT;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        return input;
    }
}
