package org.sparkmec.engine.model;

import java.util.List;

/**
 * Channel concatenation of two or more inputs (the branches of an Inception block): NHWC inputs of one height and
 * width give that height and width with the sum of their channels, input 1's channels first; flat inputs give the
 * sum of their features. Its inputs must be named ({@code inputs = [a, b, ...]}).
 *
 * @param name unique layer name
 */
public record ConcatSpec(String name) implements MergeSpec {

    public ConcatSpec {
        Checks.layerName(name);
    }

    @Override
    public LayerType type() {
        return LayerType.CONCAT;
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> inputs) {
        Checks.twoOrMoreInputs(this, inputs.size());
        ActivationShape first = inputs.get(0);
        long channels = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ActivationShape in = inputs.get(i);
            if (in.flat() != first.flat()) {
                throw SpecViolation.ofLayer(name, ModelKeys.INPUTS, "concat needs inputs that are all NHWC or all flat,"
                        + " got " + kind(first) + " (input 1) and " + kind(in) + " (input " + (i + 1) + ")");
            }
            if (in.height() != first.height() || in.width() != first.width()) {
                throw SpecViolation.ofLayer(name, ModelKeys.INPUTS, "concat needs inputs of one height and width (it"
                        + " joins their channels), got " + first + " (input 1) and " + in + " (input " + (i + 1) + ")");
            }
            channels += in.channels();
        }
        long values = (long) first.height() * first.width() * channels;
        if (values > Integer.MAX_VALUE) {
            throw SpecViolation.ofLayer(name, ModelKeys.INPUTS, "concat output " + first.height() + "x" + first.width()
                    + "x" + channels + " has more than " + Integer.MAX_VALUE + " values per sample");
        }
        return first.flat() ? ActivationShape.flat((int) channels)
                : ActivationShape.spatial(first.height(), first.width(), (int) channels);
    }

    /** {@code NHWC 5x7x3} or {@code flat 35}. */
    private static String kind(ActivationShape shape) {
        return (shape.flat() ? "flat " : "NHWC ") + shape;
    }
}
