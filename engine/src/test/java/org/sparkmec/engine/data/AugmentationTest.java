package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/** Random crop with padding and horizontal flip: what they do, and that they depend on (seed, epoch, index) only. */
class AugmentationTest {
    private static final int H = 7;
    private static final int W = 5;
    private static final int C = 3;
    private static final int SIZE = H * W * C;

    private static float[] randomImage(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] image = new float[SIZE];
        for (int i = 0; i < SIZE; i++) {
            image[i] = (float) random.nextDouble(-1, 1);
        }
        return image;
    }

    private static float[] augmented(Augmentation a, long seed, int epoch, long index, float[] image) {
        float[] out = new float[SIZE];
        a.apply(seed, epoch, index, H, W, C, image, 0, out, 0);
        return out;
    }

    /** The reference: {@code image} shifted by (dy, dx) (0 where it leaves the image), mirrored first if asked. */
    private static float[] shifted(float[] image, int dy, int dx, boolean mirror) {
        float[] out = new float[SIZE];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int sy = y + dy;
                int sx = (mirror ? W - 1 - x : x) + dx;
                for (int c = 0; c < C; c++) {
                    out[(y * W + x) * C + c] = sy >= 0 && sy < H && sx >= 0 && sx < W ? image[(sy * W + sx) * C + c] : 0f;
                }
            }
        }
        return out;
    }

    /** The (dy, dx, mirror) whose reference equals {@code out}, as "dy,dx,m"; null if none does. */
    private static String offsetOf(float[] image, float[] out, int padding, boolean flips) {
        for (int m = 0; m <= (flips ? 1 : 0); m++) {
            for (int dy = -padding; dy <= padding; dy++) {
                for (int dx = -padding; dx <= padding; dx++) {
                    if (Arrays.equals(out, shifted(image, dy, dx, m == 1))) {
                        return dy + "," + dx + "," + m;
                    }
                }
            }
        }
        return null;
    }

    @Test
    void noneLeavesImagesAsTheyAre() {
        float[] image = randomImage(1);
        assertFalse(Augmentation.NONE.isActive());
        assertArrayEquals(image, augmented(Augmentation.NONE, 3, 0, 17, image));
    }

    @Test
    void cropIsAWindowOfThePaddedImageAndCoversEveryOffset() {
        float[] image = randomImage(2);
        Augmentation crop = new Augmentation(2, false);
        Set<String> offsets = new HashSet<>();
        for (long index = 0; index < 400; index++) {
            String offset = offsetOf(image, augmented(crop, 9, 0, index, image), 2, false);
            assertTrue(offset != null, "image " + index + " is not a shifted window of the padded image");
            offsets.add(offset);
        }
        assertEquals(25, offsets.size(), "every (dy, dx) in [-2, 2]^2 is drawn: " + offsets);
    }

    @Test
    void flipMirrorsAboutHalfTheImages() {
        float[] image = randomImage(3);
        Augmentation flip = new Augmentation(0, true);
        int mirrored = 0;
        for (long index = 0; index < 1000; index++) {
            float[] out = augmented(flip, 4, 1, index, image);
            if (Arrays.equals(out, shifted(image, 0, 0, true))) {
                mirrored++;
            } else {
                assertArrayEquals(image, out, "image " + index + " is neither itself nor its mirror");
            }
        }
        assertTrue(mirrored > 440 && mirrored < 560, mirrored + " of 1000 mirrored");
    }

    @Test
    void cropAndFlipTogetherAreAMirroredWindow() {
        float[] image = randomImage(4);
        Augmentation both = new Augmentation(1, true);
        Set<String> seen = new HashSet<>();
        for (long index = 0; index < 300; index++) {
            String offset = offsetOf(image, augmented(both, 5, 2, index, image), 1, true);
            assertTrue(offset != null, "image " + index);
            seen.add(offset);
        }
        assertEquals(18, seen.size(), "9 offsets x mirrored or not: " + seen);
    }

    /**
     * Reproducible and worker-independent: an image's augmentation depends on (seed, epoch, global index) only,
     * not on the batch it is in, its position there or which shard (local index) holds it; another epoch or seed
     * gives other crops.
     */
    @Test
    void dependsOnlyOnSeedEpochAndGlobalIndex() {
        int n = 12;
        float[] pixels = new float[n * SIZE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(randomImage(100 + i), 0, pixels, i * SIZE, SIZE);
        }
        LabeledImages all = new LabeledImages("all", H, W, C, pixels, labels, 1);
        // A "shard" holding global images 1, 4, 7, 10 at local positions 0..3, as worker 1 of 3 would.
        LabeledImages shard = all.select(new int[] {1, 4, 7, 10}, "shard 1");
        Augmentation a = new Augmentation(2, true);
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS));
             Tensor whole = Tensor.zeros(backend, Layout.NHWC, 3, H, W, C);
             Tensor local = Tensor.zeros(backend, Layout.NHWC, 2, H, W, C)) {
            a.copyBatch(all, new int[] {10, 0, 7}, new int[] {10, 0, 7}, 11, 3, whole, new int[3]);
            a.copyBatch(shard, new int[] {2, 3}, new int[] {7, 10}, 11, 3, local, new int[2]);
            float[] w = whole.toArray();
            float[] l = local.toArray();
            assertArrayEquals(Arrays.copyOfRange(w, 2 * SIZE, 3 * SIZE), Arrays.copyOfRange(l, 0, SIZE), "image 7");
            assertArrayEquals(Arrays.copyOfRange(w, 0, SIZE), Arrays.copyOfRange(l, SIZE, 2 * SIZE), "image 10");
            assertArrayEquals(augmented(a, 11, 3, 7, all.image(7)), Arrays.copyOfRange(l, 0, SIZE), "apply = copyBatch");
        }
        int epochDiffers = 0;
        int seedDiffers = 0;
        for (int i = 0; i < n; i++) {
            float[] base = augmented(a, 11, 3, i, all.image(i));
            assertArrayEquals(base, augmented(a, 11, 3, i, all.image(i)), "same (seed, epoch, index), same image");
            epochDiffers += Arrays.equals(base, augmented(a, 11, 4, i, all.image(i))) ? 0 : 1;
            seedDiffers += Arrays.equals(base, augmented(a, 12, 3, i, all.image(i))) ? 0 : 1;
        }
        assertTrue(epochDiffers >= n / 2, "another epoch changes most crops: " + epochDiffers + " of " + n);
        assertTrue(seedDiffers >= n / 2, "another seed changes most crops: " + seedDiffers + " of " + n);
    }

    @Test
    void rejectsNegativePaddingAndMismatchedIndices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(-1, false));
        assertEquals("augmentation padding must be 0 (no crop) or more pixels, got -1", e.getMessage());
        LabeledImages one = new LabeledImages("one", H, W, C, randomImage(5), new int[1], 1);
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS));
             Tensor t = Tensor.zeros(backend, Layout.NHWC, 1, H, W, C)) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> new Augmentation(1, false).copyBatch(one, new int[] {0}, new int[0], 1, 0, t, new int[1]));
            assertEquals("one: 1 batch indices need as many global indices, got 0", e.getMessage());
        }
        assertEquals("random crop with padding 4 and horizontal flip", new Augmentation(4, true).toString());
        assertEquals("horizontal flip", new Augmentation(0, true).toString());
    }
}
