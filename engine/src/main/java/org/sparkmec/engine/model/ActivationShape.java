package org.sparkmec.engine.model;

/**
 * The shape of one sample's activation between layers (the batch dimension is left out): NHWC
 * {@code height x width x channels}, or a flat vector of {@code features} values after flatten or dense. A flat
 * shape stores its features in {@code channels}, with height and width 1, so {@link #numElements()} holds for
 * both kinds. At most {@code 2^31 - 1} values per sample.
 *
 * @param height   rows (1 when flat)
 * @param width    columns (1 when flat)
 * @param channels channels, or the features of a flat shape
 * @param flat     whether this is a flat vector rather than an NHWC image
 */
public record ActivationShape(int height, int width, int channels, boolean flat) {

    public ActivationShape {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("activation shape must be positive, got " + height + "x" + width + "x"
                    + channels);
        }
        if (flat && (height != 1 || width != 1)) {
            throw new IllegalArgumentException("a flat activation has height and width 1, got " + height + "x" + width);
        }
        if ((long) height * width * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("activation " + height + "x" + width + "x" + channels + " has more than "
                    + Integer.MAX_VALUE + " values per sample");
        }
    }

    /** An NHWC activation of {@code height x width x channels}. */
    public static ActivationShape spatial(int height, int width, int channels) {
        return new ActivationShape(height, width, channels, false);
    }

    /** A flat activation of {@code features} values. */
    public static ActivationShape flat(int features) {
        return new ActivationShape(1, 1, features, true);
    }

    /** Values per sample: {@code height * width * channels}, or the features when flat. */
    public int numElements() {
        return height * width * channels;
    }

    /**
     * The length of a flat activation.
     *
     * @throws IllegalStateException if this shape is NHWC
     */
    public int features() {
        if (!flat) {
            throw new IllegalStateException("activation " + this + " is not flat");
        }
        return channels;
    }

    /** {@code 28x28x6} for NHWC, {@code 400} for flat. */
    @Override
    public String toString() {
        return flat ? Integer.toString(channels) : height + "x" + width + "x" + channels;
    }
}
