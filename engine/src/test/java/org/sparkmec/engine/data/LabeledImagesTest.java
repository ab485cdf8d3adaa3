package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.data.IdxTestFiles.randomBytes;
import static org.sparkmec.engine.data.IdxTestFiles.randomLabels;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.StorageAllocator;
import org.sparkmec.engine.tensor.Tensor;

/** The in-memory dataset: building from IDX data, validation, batch copies (arrays and tensors), subsets. */
class LabeledImagesTest {
    private static final int N = 9;
    private static final int H = 5;
    private static final int W = 3;
    private static final int C = 2;

    /** {@code N} images of H x W x C with values from {@code seed} and labels in [0, 4). */
    private static LabeledImages randomImages(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[N * H * W * C];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble(-2, 2);
        }
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = random.nextInt(4);
        }
        return new LabeledImages("random", H, W, C, pixels, labels, 4);
    }

    @Test
    void fromIdxScalesBytesToUnitRangeAndKeepsLabels() {
        byte[] bytes = randomBytes(N * H * W, 21);
        bytes[0] = 0;
        bytes[1] = (byte) 255;
        byte[] labelBytes = randomLabels(N, 10, 22);
        LabeledImages data = LabeledImages.fromIdx("train", new IdxData("img", new int[] {N, H, W}, bytes),
                new IdxData("lbl", new int[] {N}, labelBytes), 10);
        assertEquals(N, data.size());
        assertArrayEquals(new int[] {H, W, 1}, data.imageShape());
        assertEquals(H * W, data.imageSize());
        assertEquals(10, data.numClasses());
        assertEquals("train", data.name());
        for (int i = 0; i < N; i++) {
            assertEquals(labelBytes[i], data.label(i), "label " + i);
            float[] image = data.image(i);
            for (int p = 0; p < H * W; p++) {
                assertEquals((bytes[i * H * W + p] & 0xFF) / 255f, image[p], "image " + i + " pixel " + p);
            }
        }
        assertEquals(0f, data.image(0)[0]);
        assertEquals(1f, data.image(0)[1]);
        assertEquals(N, Arrays.stream(data.classCounts()).sum());
    }

    @Test
    void fourDimensionalIdxIsNhwc() {
        byte[] bytes = randomBytes(2 * H * W * 3, 23);
        LabeledImages data = LabeledImages.fromIdx("rgb", new IdxData("img", new int[] {2, H, W, 3}, bytes),
                new IdxData("lbl", new int[] {2}, new byte[] {1, 0}), 2);
        assertArrayEquals(new int[] {H, W, 3}, data.imageShape());
        // Row 1, column 2, channel 1 of image 1.
        int offset = (1 * W + 2) * 3 + 1;
        assertEquals((bytes[H * W * 3 + offset] & 0xFF) / 255f, data.image(1)[offset]);
    }

    @Test
    void countMismatchNamesBothSources() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabeledImages.fromIdx("train",
                new IdxData("/d/train-images-idx3-ubyte.gz", new int[] {6, 2, 2}, new byte[24]),
                new IdxData("/d/train-labels-idx1-ubyte.gz", new int[] {5}, new byte[5]), 10));
        assertEquals("/d/train-images-idx3-ubyte.gz has 6 images but /d/train-labels-idx1-ubyte.gz has 5 labels",
                e.getMessage());
    }

    @Test
    void labelsOutOfRangeNameTheIndexAndValue() {
        byte[] labels = {0, 9, 3, 10, 2};
        IllegalArgumentException fromFile = assertThrows(IllegalArgumentException.class, () -> LabeledImages.fromIdx(
                "train", new IdxData("img", new int[] {5, 1, 1}, new byte[5]), new IdxData("/d/labels", new int[] {5}, labels),
                10));
        assertEquals("/d/labels: label 10 at index 3 is outside [0, 10)", fromFile.getMessage());
        byte[] unsigned = {0, (byte) 200};
        IllegalArgumentException highByte = assertThrows(IllegalArgumentException.class, () -> LabeledImages.fromIdx(
                "train", new IdxData("img", new int[] {2, 1, 1}, new byte[2]), new IdxData("lbl", new int[] {2}, unsigned),
                10));
        assertEquals("lbl: label 200 at index 1 is outside [0, 10)", highByte.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new LabeledImages("mem", 1, 1, 1, new float[3], new int[] {1, -1, 0}, 2));
        assertEquals("mem: label -1 at index 1 is outside [0, 2)", negative.getMessage());
    }

    @Test
    void wrongRanksAndPixelCountsAreRejected() {
        IllegalArgumentException images = assertThrows(IllegalArgumentException.class, () -> LabeledImages.fromIdx("t",
                new IdxData("img", new int[] {4, 4}, new byte[16]), new IdxData("lbl", new int[] {4}, new byte[4]), 10));
        assertEquals("img: images need 3 dimensions (count, rows, columns) or 4 (count, rows, columns, channels), "
                + "got [4, 4]", images.getMessage());
        IllegalArgumentException labels = assertThrows(IllegalArgumentException.class, () -> LabeledImages.fromIdx("t",
                new IdxData("img", new int[] {4, 1, 1}, new byte[4]), new IdxData("lbl", new int[] {2, 2}, new byte[4]), 10));
        assertEquals("lbl: labels need 1 dimension (count), got [2, 2]", labels.getMessage());
        IllegalArgumentException pixels = assertThrows(IllegalArgumentException.class,
                () -> new LabeledImages("mem", 2, 3, 1, new float[11], new int[2], 4));
        assertEquals("mem: 2 labels need 2 images of 2 x 3 x 1 = 12 pixel values, got 11", pixels.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new LabeledImages("mem", 2, 3, 1, new float[0], new int[0], 4));
        assertEquals("mem: a dataset needs at least one image", empty.getMessage());
    }

    @Test
    void copyBatchIntoArraysFollowsTheIndices() {
        LabeledImages data = randomImages(24);
        int[] indices = {8, 0, 8, 3};
        float[] images = new float[indices.length * data.imageSize()];
        int[] labels = new int[indices.length];
        data.copyBatch(indices, images, labels);
        for (int b = 0; b < indices.length; b++) {
            assertArrayEquals(data.image(indices[b]),
                    Arrays.copyOfRange(images, b * data.imageSize(), (b + 1) * data.imageSize()), "batch position " + b);
            assertEquals(data.label(indices[b]), labels[b], "label at batch position " + b);
        }
    }

    @Test
    void copyBatchRejectsWrongSizesAndIndices() {
        LabeledImages data = randomImages(25);
        int size = data.imageSize();
        IllegalArgumentException shortImages = assertThrows(IllegalArgumentException.class,
                () -> data.copyBatch(new int[] {1, 2}, new float[2 * size - 1], new int[2]));
        assertEquals("random: a batch of 2 images of 5 x 3 x 2 needs 60 floats, got float[59]", shortImages.getMessage());
        IllegalArgumentException shortLabels = assertThrows(IllegalArgumentException.class,
                () -> data.copyBatch(new int[] {1, 2}, new float[2 * size], new int[3]));
        assertEquals("random: a batch of 2 images needs 2 labels, got int[3]", shortLabels.getMessage());
        IndexOutOfBoundsException index = assertThrows(IndexOutOfBoundsException.class,
                () -> data.copyBatch(new int[] {1, 9}, new float[2 * size], new int[2]));
        assertEquals("random: index 9 at batch position 1 is outside [0, 9)", index.getMessage());
    }

    @Test
    void copyBatchIntoTensorMatchesTheArrayCopy() {
        LabeledImages data = randomImages(26);
        int[] indices = {2, 7, 5};
        float[] expected = new float[indices.length * data.imageSize()];
        int[] expectedLabels = new int[indices.length];
        data.copyBatch(indices, expected, expectedLabels);
        HeapAllocator allocator = new HeapAllocator();
        try (Tensor batch = Tensor.zeros(allocator, Layout.NHWC, indices.length, H, W, C)) {
            int[] labels = new int[indices.length];
            data.copyBatch(indices, batch, labels);
            assertArrayEquals(expected, batch.toArray());
            assertArrayEquals(expectedLabels, labels);
        }
        try (Tensor wrong = Tensor.zeros(allocator, Layout.NHWC, indices.length, H, C, W)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> data.copyBatch(indices, wrong, new int[indices.length]));
            assertEquals("random: a batch of 3 images needs an NHWC tensor [3, 5, 3, 2] (n, h, w, c), got "
                    + "Tensor[NHWC [3, 5, 2, 3]]", e.getMessage());
        }
    }

    @Test
    void subsetKeepsTheFirstExamples() {
        LabeledImages data = randomImages(27);
        LabeledImages first = data.subset(4);
        assertEquals(4, first.size());
        assertArrayEquals(data.imageShape(), first.imageShape());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(data.image(i), first.image(i), "image " + i);
            assertEquals(data.label(i), first.label(i), "label " + i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> first.label(4));
        assertSame(data, data.subset(N));
        assertSame(data, data.subset(N + 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.subset(0));
        assertEquals("random: subset limit must be positive, got 0", e.getMessage());
    }

    @Test
    void classCountsCountEachLabel() {
        LabeledImages data = new LabeledImages("mem", 1, 1, 1, new float[6], new int[] {2, 0, 2, 2, 1, 0}, 4);
        assertArrayEquals(new int[] {2, 1, 3, 0}, data.classCounts());
    }

    /** Heap-backed storage: enough for copying into tensors without native memory. */
    private static final class HeapAllocator implements StorageAllocator {
        private final MemoryTracker tracker = new MemoryTracker("heap");

        @Override
        public FloatStorage allocate(long length) {
            float[] values = new float[Math.toIntExact(length)];
            return new FloatStorage() {
                private boolean closed;

                @Override
                public long length() {
                    return values.length;
                }

                @Override
                public boolean isClosed() {
                    return closed;
                }

                @Override
                public void copyFrom(float[] src, int srcOffset, long offset, int length) {
                    System.arraycopy(src, srcOffset, values, Math.toIntExact(offset), length);
                }

                @Override
                public void copyTo(long offset, float[] dst, int dstOffset, int length) {
                    System.arraycopy(values, Math.toIntExact(offset), dst, dstOffset, length);
                }

                @Override
                public void fillZero(long offset, long length) {
                    Arrays.fill(values, Math.toIntExact(offset), Math.toIntExact(offset + length), 0f);
                }

                @Override
                public void close() {
                    closed = true;
                }
            };
        }

        @Override
        public MemoryTracker memoryTracker() {
            return tracker;
        }
    }
}
