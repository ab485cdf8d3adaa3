package org.sparkmec.engine.model;

/** {@code max(0, x)} element-wise; output shape = input shape. */
public record ReluSpec(String name) implements LayerSpec {

    public ReluSpec {
        Checks.layerName(name);
    }

    @Override
    public LayerType type() {
        return LayerType.RELU;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        return input;
    }
}
