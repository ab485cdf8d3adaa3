package org.sparkmec.engine.model;

/**
 * The shape of one input sample, NHWC (the batch size is chosen at training time).
 *
 * @param height   image rows, at least 1
 * @param width    image columns, at least 1
 * @param channels channels (1 for grey, 3 for RGB), at least 1
 */
public record InputSpec(int height, int width, int channels) {

    public InputSpec {
        check(ModelKeys.HEIGHT, height);
        check(ModelKeys.WIDTH, width);
        check(ModelKeys.CHANNELS, channels);
        if ((long) height * width * channels > Integer.MAX_VALUE) {
            throw new SpecViolation(-1, null, "input " + height + "x" + width + "x" + channels + " has more than "
                    + Integer.MAX_VALUE + " values per sample");
        }
    }

    private static void check(String field, int value) {
        if (value < 1) {
            throw new SpecViolation(-1, field, "input: " + field + " must be at least 1, got " + value);
        }
    }

    public ActivationShape shape() {
        return ActivationShape.spatial(height, width, channels);
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
