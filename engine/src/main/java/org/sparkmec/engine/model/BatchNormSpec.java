package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.BatchNormLayer;

/**
 * Batch normalisation per channel of an NHWC input (per feature of a flat one): trainable scale and shift,
 * running statistics for inference (the layer's contract is {@link BatchNormLayer}).
 * Output shape = input shape.
 *
 * @param name     unique layer name
 * @param momentum weight of the newest batch in the running statistics, in (0, 1] (default {@value #DEFAULT_MOMENTUM})
 * @param epsilon  added to the variance, &gt; 0 (default {@value #DEFAULT_EPSILON})
 */
public record BatchNormSpec(String name, double momentum, double epsilon) implements LayerSpec {
    public static final double DEFAULT_MOMENTUM = BatchNormLayer.DEFAULT_MOMENTUM;
    public static final double DEFAULT_EPSILON = BatchNormLayer.DEFAULT_EPSILON;

    public BatchNormSpec {
        Checks.layerName(name);
        if (!(momentum > 0 && momentum <= 1)) {
            throw SpecViolation.ofLayer(name, ModelKeys.MOMENTUM, "momentum must be in (0, 1] (the weight of the newest"
                    + " batch in the running statistics), got " + momentum);
        }
        if (!(epsilon > 0 && Double.isFinite(epsilon))) {
            throw SpecViolation.ofLayer(name, ModelKeys.EPSILON, "epsilon must be a positive number, got " + epsilon);
        }
    }

    /** Default momentum and epsilon. */
    public static BatchNormSpec of(String name) {
        return new BatchNormSpec(name, DEFAULT_MOMENTUM, DEFAULT_EPSILON);
    }

    @Override
    public LayerType type() {
        return LayerType.BATCHNORM;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        return input;
    }
}
