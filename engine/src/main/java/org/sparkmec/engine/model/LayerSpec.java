package org.sparkmec.engine.model;

/**
 * One layer of a model: its unique name, its type and its fields, validated when the record is made. Shapes are
 * per sample (no batch dimension), NHWC until a flatten layer, flat after it.
 */
public sealed interface LayerSpec permits Conv2dSpec, ReluSpec, Pool2dSpec, FlattenSpec, DenseSpec, DropoutSpec {

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
}
