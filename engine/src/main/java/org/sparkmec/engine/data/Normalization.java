package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel standardization of images: {@code x' = (x - mean[c]) / std[c]} for every value {@code x}
 * of channel {@code c}.
 *
 * <p>Use: pixel bytes first become floats in [0, 1] ({@link #toUnitRange}: {@code b / 255}, done by
 * {@link LabeledImages#fromIdx}); then {@link #fit} computes the statistics on the <em>training</em> set
 * only, and {@link #apply} transforms the training and the test set with those same statistics, so the
 * test set is neither seen during fitting nor standardized with its own numbers. A fitted training set
 * then has mean 0 and standard deviation 1 per channel; the test set only approximately.
 *
 * <p>The standard deviation is the population one (divided by the number of values), computed in double
 * precision in two passes. A channel whose values are all equal has standard deviation 0; it is stored as
 * 1, so that channel is only centered. Keep the fitted normalization with a model: inference must apply
 * the same transform.
 *
 * @param mean per-channel mean, in the units of the fitted data ([0, 1] pixels)
 * @param std  per-channel standard deviation, positive, same length as {@code mean}
 */
public record Normalization(double[] mean, double[] std) implements java.io.Serializable {
    /** The largest pixel byte value; {@link #toUnitRange} divides by it. */
    public static final float MAX_PIXEL_VALUE = 255f;

    public Normalization {
        mean = mean.clone();
        std = std.clone();
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalization needs one mean and one std per channel, got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (int c = 0; c < mean.length; c++) {
            if (!Double.isFinite(mean[c]) || !(std[c] > 0) || !Double.isFinite(std[c])) {
                throw new IllegalArgumentException("channel " + c + ": mean " + mean[c] + " must be finite and std "
                        + std[c] + " finite and positive");
            }
        }
    }

    /** The transform that changes nothing: mean 0, std 1 for each of {@code channels} channels. */
    public static Normalization identity(int channels) {
        double[] ones = new double[channels];
        Arrays.fill(ones, 1);
        return new Normalization(new double[channels], ones);
    }

    /** Pixel bytes (unsigned) to floats in [0, 1]: {@code (b & 0xFF) / 255}, element by element. */
    public static float[] toUnitRange(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (pixels[i] & 0xFF) / MAX_PIXEL_VALUE;
        }
        return out;
    }

    /** Per-channel mean and population standard deviation over every value of every image of {@code train}. */
    public static Normalization fit(LabeledImages train) {
        int channels = train.channels();
        float[] pixels = train.pixels();
        long valuesPerChannel = (long) pixels.length / channels;
        double[] sum = new double[channels];
        for (int p = 0; p < pixels.length; p += channels) {
            for (int c = 0; c < channels; c++) {
                sum[c] += pixels[p + c];
            }
        }
        double[] mean = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / valuesPerChannel;
        }
        double[] squares = new double[channels];
        for (int p = 0; p < pixels.length; p += channels) {
            for (int c = 0; c < channels; c++) {
                double d = pixels[p + c] - mean[c];
                squares[c] += d * d;
            }
        }
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            double s = Math.sqrt(squares[c] / valuesPerChannel);
            std[c] = s > 0 ? s : 1;
        }
        return new Normalization(mean, std);
    }

    /** Number of channels. */
    public int channels() {
        return mean.length;
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    /**
     * A new dataset (same name, shape and labels) whose values are {@code (x - mean[c]) / std[c]}.
     *
     * @throws IllegalArgumentException if the dataset's channel count differs from this normalization's
     */
    public LabeledImages apply(LabeledImages data) {
        Objects.requireNonNull(data, "data");
        int channels = mean.length;
        if (data.channels() != channels) {
            throw new IllegalArgumentException(data.name() + " has " + data.channels()
                    + " channels but the normalization was fitted on " + channels);
        }
        float[] in = data.pixels();
        float[] out = new float[in.length];
        for (int p = 0; p < in.length; p += channels) {
            for (int c = 0; c < channels; c++) {
                out[p + c] = (float) ((in[p + c] - mean[c]) / std[c]);
            }
        }
        return new LabeledImages(data.name(), data.height(), data.width(), channels, out, data.labels(),
                data.numClasses());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization other && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + "]";
    }
}
