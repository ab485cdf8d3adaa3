package org.sparkmec.engine.model;

import java.util.List;

/**
 * One layer of a model: its unique name, its type and its fields, validated when the record is made. Shapes are
 * per sample (no batch dimension), NHWC until a flatten or global pooling layer, flat after it. Which layers a
 * layer reads is the model's business ({@link ModelSpec#inputs()}), not the layer's.
 */
public sealed interface LayerSpec permits Conv2dSpec, ReluSpec, Pool2dSpec, FlattenSpec, DenseSpec, DropoutSpec,
        BatchNormSpec, MergeSpec, GlobalAvgPoolSpec {

    /** Unique within the model; parameters are named after it, e.g. {@code conv1.weight}. */
    String name();

    LayerType type();

    /**
     * The output shape of this layer for one sample of shape {@code input}.
     *
     * @throws IllegalArgumentException if the layer cannot take that input; the message names the layer, both
     *                                  shapes and the rule (e.g. {@code kernel 5x5 larger than input 4x4})
     */
    ActivationShape outputShape(ActivationShape input);

    /**
     * The output shape for the shapes of the layer's inputs, in input order. Layers of one input (all but
     * {@code add} and {@code concat}) take exactly one.
     *
     * @throws IllegalArgumentException as {@link #outputShape(ActivationShape)}, or for another number of inputs
     */
    default ActivationShape outputShape(List<ActivationShape> inputs) {
        if (inputs.size() != 1) {
            throw SpecViolation.ofLayer(name(), ModelKeys.INPUTS, type().configName() + " takes one input, got "
                    + inputs.size());
        }
        return outputShape(inputs.get(0));
    }
}
