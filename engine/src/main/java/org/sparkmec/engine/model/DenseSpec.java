package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.WeightInit;

/**
 * A fully connected layer: {@code y = x W + b} from a flat input of {@code n} features to {@code units} outputs;
 * weights {@code n x units}. Needs a flat input (a flatten layer after the last spatial layer).
 *
 * @param name  unique layer name
 * @param units output features, at least 1; for the last layer, the number of classes
 * @param bias  whether the layer adds a bias per unit (default {@value #DEFAULT_BIAS})
 * @param init  weight initialization (default he)
 */
public record DenseSpec(String name, int units, boolean bias, WeightInit init) implements LayerSpec {
    public static final boolean DEFAULT_BIAS = true;
    public static final WeightInit DEFAULT_INIT = WeightInit.HE;

    public DenseSpec {
        Checks.layerName(name);
        Checks.atLeast(name, ModelKeys.UNITS, units, 1);
        Checks.notNull(name, ModelKeys.INIT, init);
    }

    /** A dense layer with bias and init at their defaults. */
    public static DenseSpec of(String name, int units) {
        return new DenseSpec(name, units, DEFAULT_BIAS, DEFAULT_INIT);
    }

    @Override
    public LayerType type() {
        return LayerType.DENSE;
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        if (!input.flat()) {
            throw SpecViolation.ofLayer(name, null, "dense needs a flat input, got " + input
                    + "; add a flatten layer before it (it would give " + input.numElements() + " features)");
        }
        return ActivationShape.flat(units);
    }
}
