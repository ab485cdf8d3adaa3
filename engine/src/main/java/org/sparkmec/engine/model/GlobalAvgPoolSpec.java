package org.sparkmec.engine.model;

/**
 * Global average pooling: the mean of each channel of an NHWC input over all its positions; output a flat
 * vector of {@code i_c} features (no flatten layer needed before a dense layer).
 *
 * @param name unique layer name
 */
public record GlobalAvgPoolSpec(String name) implements LayerSpec {

    public GlobalAvgPoolSpec {
        Checks.layerName(name);
    }

    @Override
    public LayerType type() {
        return LayerType.GLOBALAVGPOOL;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        if (input.flat()) {
            throw SpecViolation.ofLayer(name, null, "globalavgpool needs an NHWC input (height x width x channels), got"
                    + " a flat input of " + input + " features");
        }
        return ActivationShape.flat(input.channels());
    }
}
