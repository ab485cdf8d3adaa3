package org.sparkmec.engine.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Training-time augmentation of normalized NHWC images: a random crop with zero padding and a random horizontal
 * flip, as in the CIFAR training recipes of He et al. ("Deep Residual Learning for Image Recognition", CVPR 2016,
 * section 4.2: "4 pixels are padded on each side, and a 32x32 crop is randomly sampled from the padded image or
 * its horizontal flip").
 *
 * <p>Crop: the image is padded with {@code padding} values of 0 on every side (0 is the channel mean once the
 * image is normalized) and an {@code h x w} window at offset {@code (dy, dx)}, each uniform in
 * {@code [0, 2 * padding]}, is cut from it, so {@code out[y][x] = in[y + dy - padding][x + dx - padding]} (0
 * outside the image). Flip: with probability 1/2 the result is mirrored left to right. Nothing else changes (no
 * scaling, no colour jitter), and the output has the input's shape.
 *
 * <p>Determinism: the offsets and the flip of an image depend only on (seed, epoch, the image's global index in
 * the training set), through {@link #randomFor}: never on the worker, the thread, the batch or the order in
 * which images are visited. The Spark trainer (each worker knows its images' global indices) and the in-process
 * trainer therefore augment every image identically, and a resumed run the same as an uninterrupted one.
 *
 * @param padding zero padding on each side for the random crop, 0 for no crop
 * @param flip    whether images are mirrored left to right with probability 1/2
 */
public record Augmentation(int padding, boolean flip) implements Serializable {
    /** No augmentation: images are used as they are. */
    public static final Augmentation NONE = new Augmentation(0, false);

    private static final long EPOCH_STRIDE = 0x9E3779B97F4A7C15L;
    private static final long INDEX_STRIDE = 0xD1B54A32D192ED03L;

    /** @throws IllegalArgumentException if {@code padding} is negative */
    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("augmentation padding must be 0 (no crop) or more pixels, got " + padding);
        }
    }

    /** Whether this augmentation changes anything. */
    public boolean isActive() {
        return padding > 0 || flip;
    }

    /**
     * The random source of image {@code index} in epoch {@code epoch}: a {@link SplittableRandom} seeded by a
     * mix of the three values (each multiplied by a distinct odd constant, so neighbouring indices and epochs get
     * unrelated streams).
     */
    static SplittableRandom randomFor(long seed, int epoch, long index) {
        return new SplittableRandom(seed ^ (epoch + 1L) * EPOCH_STRIDE ^ (index + 1L) * INDEX_STRIDE);
    }

    /**
     * Writes image {@code index}'s augmented copy for epoch {@code epoch}: reads {@code height x width x channels}
     * values of {@code src} from {@code srcOffset}, writes as many into {@code dst} from {@code dstOffset}
     * ({@code src} and {@code dst} must not overlap).
     */
    public void apply(long seed, int epoch, long index, int height, int width, int channels, float[] src, int srcOffset,
                      float[] dst, int dstOffset) {
        SplittableRandom random = randomFor(seed, epoch, index);
        int dy = padding > 0 ? random.nextInt(2 * padding + 1) - padding : 0;
        int dx = padding > 0 ? random.nextInt(2 * padding + 1) - padding : 0;
        boolean mirror = flip && random.nextBoolean();
        for (int y = 0; y < height; y++) {
            int sy = y + dy;
            for (int x = 0; x < width; x++) {
                int o = dstOffset + (y * width + x) * channels;
                int sx = (mirror ? width - 1 - x : x) + dx;
                if (sy < 0 || sy >= height || sx < 0 || sx >= width) {
                    Arrays.fill(dst, o, o + channels, 0f);
                } else {
                    System.arraycopy(src, srcOffset + (sy * width + sx) * channels, dst, o, channels);
                }
            }
        }
    }

    /**
     * As {@link LabeledImages#copyBatch(int[], Tensor, int[])}, each image augmented: batch position {@code b}
     * gets image {@code indices[b]} of {@code set} augmented as image {@code globalIndices[b]} of the training set
     * in epoch {@code epoch}.
     *
     * @param indices       positions in {@code set}
     * @param globalIndices the same images' positions in the whole training set (equal to {@code indices} when
     *                      {@code set} is the whole training set; a Spark worker's shard maps them)
     * @throws IllegalArgumentException if the arrays differ in length or the tensor is not NHWC of the batch's shape
     */
    public void copyBatch(LabeledImages set, int[] indices, int[] globalIndices, long seed, int epoch, Tensor images,
                          int[] labels) {
        if (globalIndices.length != indices.length) {
            throw new IllegalArgumentException(set.name() + ": " + indices.length + " batch indices need as many global "
                    + "indices, got " + globalIndices.length);
        }
        set.copyBatch(indices, images, labels);
        if (!isActive()) {
            return;
        }
        int size = set.imageSize();
        float[] source = set.pixels();
        float[] augmented = new float[size];
        FloatStorage storage = images.storage();
        for (int b = 0; b < indices.length; b++) {
            apply(seed, epoch, globalIndices[b], set.height(), set.width(), set.channels(), source,
                    indices[b] * size, augmented, 0);
            storage.copyFrom(augmented, 0, (long) b * size, size);
        }
    }

    @Override
    public String toString() {
        if (!isActive()) {
            return "none";
        }
        String crop = padding > 0 ? "random crop with padding " + padding : "";
        return flip ? (crop.isEmpty() ? "horizontal flip" : crop + " and horizontal flip") : crop;
    }
}
