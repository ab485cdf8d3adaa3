package org.sparkmec.engine.model;

/**
 * Reshapes an NHWC activation to a flat vector of {@code height * width * channels} features (in NHWC order:
 * channel fastest); needs an NHWC input.
 */
public record FlattenSpec(String name) implements LayerSpec {

    public FlattenSpec {
        Checks.layerName(name);
    }

    @Override
    public LayerType type() {
        return LayerType.FLATTEN;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        if (input.flat()) {
            throw SpecViolation.ofLayer(name, null, "input is already flat (" + input
                    + " features); flatten needs an NHWC input: remove this layer");
        }
        return ActivationShape.flat(input.numElements());
    }
}
