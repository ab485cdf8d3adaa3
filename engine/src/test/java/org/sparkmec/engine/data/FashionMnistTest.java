package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.sparkmec.engine.data.IdxTestFiles.idxBytes;
import static org.sparkmec.engine.data.IdxTestFiles.randomBytes;
import static org.sparkmec.engine.data.IdxTestFiles.randomLabels;
import static org.sparkmec.engine.data.IdxTestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Fashion-MNIST loader on synthetic folders, its messages for missing data, and the installed dataset if present. */
class FashionMnistTest {
    private static final int TRAIN = 12;
    private static final int TEST = 5;
    private static final int H = 4;
    private static final int W = 3;

    @TempDir
    Path dir;

    private byte[] trainPixels;

    /** Writes a well-formed folder: train files gzipped, test files plain. */
    private void writeDataset() throws IOException {
        trainPixels = randomBytes(TRAIN * H * W, 41);
        write(dir.resolve("train-images-idx3-ubyte.gz"), idxBytes(new int[] {TRAIN, H, W}, trainPixels), true);
        write(dir.resolve("train-labels-idx1-ubyte.gz"), idxBytes(new int[] {TRAIN}, randomLabels(TRAIN, 10, 42)), true);
        write(dir.resolve("t10k-images-idx3-ubyte"), idxBytes(new int[] {TEST, H, W}, randomBytes(TEST * H * W, 43)), false);
        write(dir.resolve("t10k-labels-idx1-ubyte"), idxBytes(new int[] {TEST}, new byte[] {9, 0, 1, 2, 3}), false);
    }

    @Test
    void loadsCompressedAndPlainFiles() throws IOException {
        writeDataset();
        TrainTestSplit split = FashionMnist.load(dir);
        assertEquals(TRAIN, split.train().size());
        assertEquals(TEST, split.test().size());
        assertArrayEquals(new int[] {H, W, 1}, split.train().imageShape());
        assertEquals(FashionMnist.NUM_CLASSES, split.test().numClasses());
        assertEquals(9, split.test().label(0));
        assertEquals((trainPixels[H * W + 2] & 0xFF) / 255f, split.train().image(1)[2]);
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
    }

    @Test
    void missingFolderSaysHowToGetTheData() {
        Path missing = dir.resolve("nowhere");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(missing));
        assertTrue(e.getMessage().startsWith(missing + ": no such directory"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data DIR"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() throws IOException {
        writeDataset();
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("t10k-labels-idx1-ubyte.gz")
                + ": neither t10k-labels-idx1-ubyte.gz nor t10k-labels-idx1-ubyte is in " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        writeDataset();
        write(dir.resolve("train-labels-idx1-ubyte.gz"), idxBytes(new int[] {TRAIN - 1}, new byte[TRAIN - 1]), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir));
        assertEquals(dir.resolve("train-images-idx3-ubyte.gz") + " has 12 images but "
                + dir.resolve("train-labels-idx1-ubyte.gz") + " has 11 labels", e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesTheFile() throws IOException {
        writeDataset();
        write(dir.resolve("t10k-labels-idx1-ubyte"), idxBytes(new int[] {TEST}, new byte[] {0, 1, 2, 3, 10}), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir));
        assertEquals(dir.resolve("t10k-labels-idx1-ubyte") + ": label 10 at index 4 is outside [0, 10)", e.getMessage());
    }

    @Test
    void trainAndTestShapesMustAgree() throws IOException {
        writeDataset();
        write(dir.resolve("t10k-images-idx3-ubyte"), idxBytes(new int[] {TEST, W, H}, new byte[TEST * H * W]), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().startsWith("training and test sets differ"), e.getMessage());
    }

    @Test
    void installedDatasetHas60000And10000ImagesOf28x28() throws IOException {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                FashionMnist.DEFAULT_DIR + " is absent (apt-get install dataset-fashion-mnist)");
        TrainTestSplit split = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        assertEquals(60_000, split.train().size());
        assertEquals(10_000, split.test().size());
        assertArrayEquals(new int[] {28, 28, 1}, split.train().imageShape());
        assertArrayEquals(new int[] {28, 28, 1}, split.test().imageShape());
        assertEquals(10, split.train().numClasses());
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        int[] trainCounts = new int[10];
        int[] testCounts = new int[10];
        Arrays.fill(trainCounts, 6_000);
        Arrays.fill(testCounts, 1_000);
        assertArrayEquals(trainCounts, split.train().classCounts());
        assertArrayEquals(testCounts, split.test().classCounts());
        // Published statistics of the training pixels in [0, 1]: mean 0.2860, std 0.3530.
        Normalization norm = Normalization.fit(split.train());
        assertEquals(0.2860, norm.mean()[0], 5e-4);
        assertEquals(0.3530, norm.std()[0], 5e-4);
    }
}
