package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Objects;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * An in-memory classification dataset: {@link #size()} images of {@code height x width x channels}
 * float32 values and one class label per image.
 *
 * <p>Layout: the pixels of all images in one {@code float[]}, NHWC row-major: image {@code i} occupies
 * {@code [i * imageSize(), (i + 1) * imageSize())}, within it the value of row {@code y}, column
 * {@code x}, channel {@code c} is at {@code (y * width + x) * channels + c}. Labels are class indices in
 * {@code [0, numClasses())}.
 *
 * <p>Immutable once built and safe to read from several threads. The constructor takes the arrays
 * without copying them: the caller must not modify them afterwards.
 */
public final class LabeledImages {
    private final String name;
    private final int height;
    private final int width;
    private final int channels;
    private final int imageSize;
    private final float[] pixels;
    private final int[] labels;
    private final int numClasses;

    /**
     * @param name       what the data is (e.g. {@code "fashion-mnist train"}), for messages and logs
     * @param pixels     {@code labels.length * height * width * channels} values, NHWC (taken, not copied)
     * @param labels     one class index per image, in {@code [0, numClasses)} (taken, not copied)
     * @throws IllegalArgumentException if a size is not positive, the pixel count does not match the label
     *                                  count, or a label is out of range (the message names the index and value)
     */
    public LabeledImages(String name, int height, int width, int channels, float[] pixels, int[] labels,
                         int numClasses) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException(name + ": image shape " + height + " x " + width + " x " + channels
                    + " (height x width x channels) must be positive");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException(name + ": number of classes must be positive, got " + numClasses);
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one image");
        }
        long imageValues = (long) height * width * channels;
        if (imageValues * labels.length != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels need " + labels.length
                    + " images of " + height + " x " + width + " x " + channels + " = " + imageValues * labels.length
                    + " pixel values, got " + pixels.length);
        }
        checkLabels(labels, numClasses, name);
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.imageSize = (int) imageValues;
        this.pixels = pixels;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    /**
     * Builds a dataset from IDX images and labels, scaling each pixel byte {@code b} to {@code b / 255}
     * in [0, 1] ({@link Normalization#toUnitRange}).
     *
     * @param images     3 dimensions (count, rows, columns; one channel, as MNIST) or 4 (count, rows,
     *                   columns, channels)
     * @param labels     1 dimension (count), values in {@code [0, numClasses)}
     * @throws IllegalArgumentException if the ranks are wrong, the counts differ or a label is out of
     *                                  range; messages name the sources
     */
    public static LabeledImages fromIdx(String name, IdxData images, IdxData labels, int numClasses) {
        if (images.rank() != 3 && images.rank() != 4) {
            throw new IllegalArgumentException(images.source() + ": images need 3 dimensions (count, rows, columns) "
                    + "or 4 (count, rows, columns, channels), got " + Arrays.toString(images.dims()));
        }
        if (labels.rank() != 1) {
            throw new IllegalArgumentException(labels.source() + ": labels need 1 dimension (count), got "
                    + Arrays.toString(labels.dims()));
        }
        if (images.dim(0) != labels.dim(0)) {
            throw new IllegalArgumentException(images.source() + " has " + images.dim(0) + " images but "
                    + labels.source() + " has " + labels.dim(0) + " labels");
        }
        byte[] labelBytes = labels.data();
        int[] classes = new int[labelBytes.length];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labelBytes[i] & 0xFF;
        }
        checkLabels(classes, numClasses, labels.source());
        int channels = images.rank() == 4 ? images.dim(3) : 1;
        return new LabeledImages(name, images.dim(1), images.dim(2), channels,
                Normalization.toUnitRange(images.data()), classes, numClasses);
    }

    private static void checkLabels(int[] labels, int numClasses, String where) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(where + ": label " + labels[i] + " at index " + i + " is outside [0, "
                        + numClasses + ")");
            }
        }
    }

    public String name() {
        return name;
    }

    /** Number of images (and labels). */
    public int size() {
        return labels.length;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int channels() {
        return channels;
    }

    /** {@code {height, width, channels}}: the shape of one image (NHWC without N). */
    public int[] imageShape() {
        return new int[] {height, width, channels};
    }

    /** Values per image: {@code height * width * channels}. */
    public int imageSize() {
        return imageSize;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The class index of image {@code i}. */
    public int label(int i) {
        Objects.checkIndex(i, labels.length);
        return labels[i];
    }

    /** A copy of image {@code i}: {@link #imageSize()} values, HWC row-major. */
    public float[] image(int i) {
        Objects.checkIndex(i, labels.length);
        return Arrays.copyOfRange(pixels, i * imageSize, (i + 1) * imageSize);
    }

    /** Number of images of each class: an array of {@link #numClasses()} counts. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Copies the images and labels at {@code indices} (in that order) into {@code images} (NHWC, batch
     * position {@code b} at {@code [b * imageSize(), (b + 1) * imageSize())}) and {@code labels}.
     *
     * @param images exactly {@code indices.length * imageSize()} floats
     * @param labels exactly {@code indices.length} ints
     * @throws IllegalArgumentException if an array has another length
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size())}
     */
    public void copyBatch(int[] indices, float[] images, int[] labels) {
        checkBatch(indices, images.length, "float[" + images.length + "]", labels);
        for (int b = 0; b < indices.length; b++) {
            System.arraycopy(pixels, indices[b] * imageSize, images, b * imageSize, imageSize);
            labels[b] = this.labels[indices[b]];
        }
    }

    /**
     * Copies the images and labels at {@code indices} into an NHWC tensor of shape
     * {@code (indices.length, height, width, channels)} (through {@link FloatStorage#copyFrom}) and
     * {@code labels} ({@code indices.length} ints).
     *
     * @throws IllegalArgumentException if the tensor is not NHWC of that shape or {@code labels} has
     *                                  another length
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size())}
     */
    public void copyBatch(int[] indices, Tensor images, int[] labels) {
        int[] expected = {indices.length, height, width, channels};
        if (images.layout() != Layout.NHWC || !Arrays.equals(images.dims(), expected)) {
            throw new IllegalArgumentException(name + ": a batch of " + indices.length + " images needs an NHWC tensor "
                    + Arrays.toString(expected) + " (" + Layout.NHWC.dimensionNames() + "), got " + images);
        }
        checkBatch(indices, images.numElements(), images.toString(), labels);
        FloatStorage storage = images.storage();
        for (int b = 0; b < indices.length; b++) {
            storage.copyFrom(pixels, indices[b] * imageSize, (long) b * imageSize, imageSize);
            labels[b] = this.labels[indices[b]];
        }
    }

    private void checkBatch(int[] indices, long imageValues, String imagesDescription, int[] labels) {
        if (imageValues != (long) indices.length * imageSize) {
            throw new IllegalArgumentException(name + ": a batch of " + indices.length + " images of " + height + " x "
                    + width + " x " + channels + " needs " + (long) indices.length * imageSize + " floats, got "
                    + imagesDescription);
        }
        if (labels.length != indices.length) {
            throw new IllegalArgumentException(name + ": a batch of " + indices.length + " images needs "
                    + indices.length + " labels, got int[" + labels.length + "]");
        }
        for (int b = 0; b < indices.length; b++) {
            if (indices[b] < 0 || indices[b] >= this.labels.length) {
                throw new IndexOutOfBoundsException(name + ": index " + indices[b] + " at batch position " + b
                        + " is outside [0, " + this.labels.length + ")");
            }
        }
    }

    /**
     * The first {@code min(limit, size())} examples (a copy), or this dataset itself when
     * {@code limit >= size()}.
     *
     * @throws IllegalArgumentException if {@code limit} is not positive
     */
    public LabeledImages subset(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException(name + ": subset limit must be positive, got " + limit);
        }
        if (limit >= labels.length) {
            return this;
        }
        return new LabeledImages(name, height, width, channels, Arrays.copyOf(pixels, limit * imageSize),
                Arrays.copyOf(labels, limit), numClasses);
    }

    /**
     * The examples at {@code indices}, in that order (a copy), named {@code name}.
     *
     * @throws IllegalArgumentException  if {@code indices} is empty
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size())}
     */
    public LabeledImages select(int[] indices, String name) {
        float[] selected = new float[Math.multiplyExact(indices.length, imageSize)];
        int[] selectedLabels = new int[indices.length];
        for (int b = 0; b < indices.length; b++) {
            Objects.checkIndex(indices[b], labels.length);
            System.arraycopy(pixels, indices[b] * imageSize, selected, b * imageSize, imageSize);
            selectedLabels[b] = labels[indices[b]];
        }
        return new LabeledImages(name, height, width, channels, selected, selectedLabels, numClasses);
    }

    /** The pixel array itself, NHWC (not a copy): for this package's transforms only. */
    float[] pixels() {
        return pixels;
    }

    /** The label array itself (not a copy): for this package's transforms only. */
    int[] labels() {
        return labels;
    }

    @Override
    public String toString() {
        return "LabeledImages[" + name + ": " + labels.length + " images of " + height + " x " + width + " x "
                + channels + ", " + numClasses + " classes]";
    }
}
