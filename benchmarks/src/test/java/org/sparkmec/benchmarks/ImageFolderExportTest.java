package org.sparkmec.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.IdxReader;
import org.sparkmec.engine.data.ImageFolder;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;

/**
 * {@link ImageFolderExport} on a small generated IDX set (odd sizes, a class without images): the folder it writes
 * reads back through {@link ImageFolder} as the IDX images and labels, in the folder's order; a target that holds
 * anything is refused and kept; a failure leaves nothing behind.
 */
class ImageFolderExportTest {
    private static final int HEIGHT = 5;
    private static final int WIDTH = 3;
    private static final int TRAIN = 23;
    private static final int TEST = 7;

    @TempDir
    Path dir;

    /** Writes the four Fashion-MNIST IDX files into {@code dir/idx}: the training files gzip-compressed, the test files plain. */
    private Path writeIdx() throws IOException {
        Path idx = Files.createDirectories(dir.resolve("idx"));
        SplittableRandom random = new SplittableRandom(7);
        // labels 0 to 8 for training: class 9's folder must exist, empty
        writeIdxFile(idx.resolve(FashionMnist.TRAIN_IMAGES + ".gz"), new int[] {TRAIN, HEIGHT, WIDTH},
                randomBytes(random, TRAIN * HEIGHT * WIDTH, 256), true);
        writeIdxFile(idx.resolve(FashionMnist.TRAIN_LABELS + ".gz"), new int[] {TRAIN}, randomBytes(random, TRAIN, 9), true);
        writeIdxFile(idx.resolve(FashionMnist.TEST_IMAGES), new int[] {TEST, HEIGHT, WIDTH},
                randomBytes(random, TEST * HEIGHT * WIDTH, 256), false);
        writeIdxFile(idx.resolve(FashionMnist.TEST_LABELS), new int[] {TEST}, randomBytes(random, TEST, 10), false);
        return idx;
    }

    private static byte[] randomBytes(SplittableRandom random, int n, int bound) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt(bound);
        }
        return bytes;
    }

    private static void writeIdxFile(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        OutputStream stream = Files.newOutputStream(file);
        try (DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(stream) : stream)) {
            out.writeInt(IdxReader.magicNumber(dims.length));
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    @Test
    void folderReadsBackAsTheIdxImagesByClassThenPosition() throws IOException {
        Path out = dir.resolve("png");
        TrainTestSplit idx = FashionMnist.load(writeIdx());
        TrainTestSplit exported = ImageFolderExport.export(dir.resolve("idx"), out);
        assertEquals(TRAIN, exported.train().size());
        assertEquals(TEST, exported.test().size());

        ImageFolder.Contents read = ImageFolder.read(out, new int[] {HEIGHT, WIDTH, 1}, FashionMnist.NUM_CLASSES, "test");
        assertTrue(read.classes().indexed(), "class folders named by index");
        assertEquals(ImageFolderExport.CLASS_FOLDERS, read.classes().names());
        assertTrue(Files.isDirectory(out.resolve("train/9")), "a class without training images still has its folder");
        assertSameImagesInFolderOrder(idx.train(), read.train());
        assertSameImagesInFolderOrder(idx.test(), read.test());
        for (int i = 0; i < TRAIN; i++) {
            Path file = out.resolve(ImageFolder.TRAIN).resolve(Integer.toString(idx.train().label(i)))
                    .resolve(String.format("%06d.png", i));
            assertTrue(Files.isRegularFile(file), file + " is missing");
        }
        assertEquals(List.of("idx", "png"), listNames(dir), "no staging folder left");
    }

    /** {@code read} holds {@code idx}'s images and labels ordered by label, then IDX position (the file name). */
    private static void assertSameImagesInFolderOrder(LabeledImages idx, LabeledImages read) {
        int[] order = IntStream.range(0, idx.size()).boxed()
                .sorted(Comparator.comparingInt(idx::label).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        assertEquals(idx.size(), read.size(), read.name() + ": images");
        for (int j = 0; j < order.length; j++) {
            assertEquals(idx.label(order[j]), read.label(j), read.name() + ": label of IDX image " + order[j]);
            assertArrayEquals(idx.image(order[j]), read.image(j), read.name() + ": pixels of IDX image " + order[j]);
        }
    }

    @Test
    void anEmptyTargetFolderIsFilled() throws IOException {
        Path out = Files.createDirectories(dir.resolve("png"));
        ImageFolderExport.export(writeIdx(), out);
        assertEquals(List.of("test", "train"), listNames(out));
    }

    @Test
    void aTargetHoldingAnythingIsRefusedAndKept() throws IOException {
        Path idx = writeIdx();
        Path out = Files.createDirectories(dir.resolve("png"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolderExport.export(idx, out));
        assertEquals("output folder " + out + " exists and holds other files (notes.txt); choose another folder or empty it",
                e.getMessage());
        assertEquals(List.of("notes.txt"), listNames(out));
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals(List.of("idx", "png"), listNames(dir));
    }

    @Test
    void aFailureLeavesNoOutput() throws IOException {
        Path idx = writeIdx();
        Files.delete(idx.resolve(FashionMnist.TEST_LABELS));
        Path out = dir.resolve("png");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageFolderExport.export(idx, out));
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of("idx"), listNames(dir), "no staging folder left");
    }

    private static List<String> listNames(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
