package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Per-channel standardization fitted on the training set and applied unchanged to the test set. */
class NormalizationTest {
    private static final int H = 7;
    private static final int W = 5;
    private static final int C = 3;
    /** Per-channel offsets and scales of the synthetic pixels, so the channels need different statistics. */
    private static final double[] OFFSET = {0.1, 0.5, 0.8};
    private static final double[] SCALE = {0.05, 0.3, 0.15};

    /** {@code n} images of H x W x C, channel c uniform in [OFFSET[c], OFFSET[c] + SCALE[c]) + shift. */
    private static LabeledImages synthetic(String name, int n, double shift, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[n * H * W * C];
        for (int i = 0; i < pixels.length; i++) {
            int c = i % C;
            pixels[i] = (float) (OFFSET[c] + shift + SCALE[c] * random.nextDouble());
        }
        return new LabeledImages(name, H, W, C, pixels, new int[n], 2);
    }

    /** Mean and population std of channel {@code c} over all images, in double. */
    private static double[] channelStats(LabeledImages data, int c) {
        double sum = 0;
        double squares = 0;
        long count = 0;
        for (int i = 0; i < data.size(); i++) {
            float[] image = data.image(i);
            for (int p = c; p < image.length; p += data.channels()) {
                sum += image[p];
                squares += (double) image[p] * image[p];
                count++;
            }
        }
        double mean = sum / count;
        return new double[] {mean, Math.sqrt(squares / count - mean * mean)};
    }

    @Test
    void fittedTrainingSetHasMeanZeroAndStdOnePerChannel() {
        LabeledImages train = synthetic("train", 37, 0, 31);
        Normalization norm = Normalization.fit(train);
        assertEquals(C, norm.channels());
        for (int c = 0; c < C; c++) {
            double[] raw = channelStats(train, c);
            assertEquals(raw[0], norm.mean()[c], 1e-9, "fitted mean of channel " + c);
            assertEquals(raw[1], norm.std()[c], 1e-7, "fitted std of channel " + c);
            // Uniform on [a, a + s): mean a + s/2, std s / sqrt(12).
            assertEquals(OFFSET[c] + SCALE[c] / 2, norm.mean()[c], 0.05 * SCALE[c], "mean of channel " + c);
            assertEquals(SCALE[c] / Math.sqrt(12), norm.std()[c], 0.05 * SCALE[c], "std of channel " + c);
        }
        LabeledImages standardized = norm.apply(train);
        for (int c = 0; c < C; c++) {
            double[] stats = channelStats(standardized, c);
            assertEquals(0, stats[0], 1e-6, "standardized mean of channel " + c);
            assertEquals(1, stats[1], 1e-5, "standardized std of channel " + c);
        }
        assertEquals(train.size(), standardized.size());
        assertEquals(train.label(3), standardized.label(3));
    }

    @Test
    void testSetGetsTheTrainingStatisticsNotItsOwn() {
        LabeledImages train = synthetic("train", 37, 0, 32);
        LabeledImages test = synthetic("test", 11, 0.1, 33);
        Normalization norm = Normalization.fit(train);
        LabeledImages standardizedTest = norm.apply(test);
        double[] mean = norm.mean();
        double[] std = norm.std();
        for (int i = 0; i < test.size(); i++) {
            float[] raw = test.image(i);
            float[] out = standardizedTest.image(i);
            for (int p = 0; p < raw.length; p++) {
                int c = p % C;
                assertEquals((float) ((raw[p] - mean[c]) / std[c]), out[p], "test image " + i + " value " + p);
            }
        }
        // The test set is shifted by 0.1: standardized with the training statistics its means are not 0.
        for (int c = 0; c < C; c++) {
            double expectedMean = 0.1 / std[c];
            assertEquals(expectedMean, channelStats(standardizedTest, c)[0], 0.4 * expectedMean, "test mean, channel " + c);
        }
    }

    @Test
    void bytesBecomeUnitRangeFloats() {
        float[] values = Normalization.toUnitRange(new byte[] {0, 1, (byte) 128, (byte) 254, (byte) 255});
        assertArrayEquals(new float[] {0f, 1 / 255f, 128 / 255f, 254 / 255f, 1f}, values);
    }

    @Test
    void knownStatisticsOfTwoValues() {
        // Half zeros, half ones: mean 0.5, population std 0.5.
        float[] pixels = {0, 1, 1, 0, 0, 1};
        Normalization norm = Normalization.fit(new LabeledImages("bits", 1, 2, 1, pixels, new int[3], 1));
        assertArrayEquals(new double[] {0.5}, norm.mean());
        assertArrayEquals(new double[] {0.5}, norm.std());
    }

    @Test
    void constantChannelIsOnlyCentered() {
        float[] pixels = {0.25f, 0.9f, 0.25f, 0.1f};
        LabeledImages data = new LabeledImages("flat", 1, 1, 2, pixels, new int[2], 1);
        Normalization norm = Normalization.fit(data);
        assertEquals(1.0, norm.std()[0], "zero variance is stored as std 1");
        assertEquals(0f, norm.apply(data).image(0)[0]);
        assertEquals(0.4, norm.std()[1], 1e-7);
    }

    @Test
    void identityChangesNothing() {
        LabeledImages data = synthetic("d", 3, 0, 34);
        LabeledImages same = Normalization.identity(C).apply(data);
        for (int i = 0; i < data.size(); i++) {
            assertArrayEquals(data.image(i), same.image(i));
        }
    }

    @Test
    void invalidUseIsRejected() {
        LabeledImages gray = new LabeledImages("gray", 2, 2, 1, new float[4], new int[1], 1);
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> Normalization.identity(3).apply(gray));
        assertEquals("gray has 1 channels but the normalization was fitted on 3", channels.getMessage());
        IllegalArgumentException zeroStd = assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new double[] {0.5}, new double[] {0}));
        assertTrue(zeroStd.getMessage().contains("channel 0"), zeroStd.getMessage());
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new double[] {0.5, 0.5}, new double[] {1}));
        assertEquals("normalization needs one mean and one std per channel, got 2 means and 1 stds", lengths.getMessage());
    }
}
