package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image folders read in process: pixel for pixel the images they were written from (Fashion-MNIST's IDX
 * images, and random RGB and RGBA images), labelled by index or by sorted name, and the errors they give.
 */
class ImageFolderTest {
    @TempDir
    Path dir;

    /** The classes of the model the folders are read for: at least as many as any folder here has. */
    private static final int CLASSES = 10;
    private static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(Integer::toString).toList();

    /** Random 8-bit images scaled to b / 255. */
    static LabeledImages randomBytes(String name, int n, int h, int w, int c, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = new byte[n * h * w * c];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        int[] labels = random.ints(n, 0, classes).toArray();
        return new LabeledImages(name, h, w, c, Normalization.toUnitRange(bytes), labels, classes);
    }

    /** The positions of {@code set} in the folder's order: by label, then by position (the file name). */
    static int[] folderOrder(LabeledImages set) {
        return IntStream.range(0, set.size()).boxed()
                .sorted(Comparator.comparingInt(set::label).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    static void assertSameImages(LabeledImages expected, LabeledImages read) {
        int[] order = folderOrder(expected);
        assertEquals(expected.size(), read.size(), "images");
        for (int j = 0; j < order.length; j++) {
            assertArrayEquals(expected.image(order[j]), read.image(j), "image " + order[j]);
            assertEquals(expected.label(order[j]), read.label(j), "label of image " + order[j]);
        }
    }

    @Test
    void pngFolderFromIdxGivesTheIdxPixelsExactly() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR);
        TrainTestSplit idx = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        LabeledImages train = idx.train().subset(300);
        LabeledImages test = idx.test().subset(100);
        ImageFolderWriter.write(train, dir.resolve("train"), DIGITS);
        ImageFolderWriter.write(test, dir.resolve("test"), DIGITS);
        assertTrue(ImageFolder.isImageFolder(dir));
        ImageFolder.Contents read = ImageFolder.read(dir, new int[] {28, 28, 1}, CLASSES, "model lenet");
        assertTrue(read.classes().indexed());
        assertEquals(10, read.classes().classCount());
        assertSameImages(train, read.train());
        assertSameImages(test, read.test());
    }

    @Test
    void rgbAndRgbaImagesComeBackInRgbOrder() throws IOException {
        for (int channels : new int[] {3, 4}) {
            LabeledImages set = randomBytes("rgb", 12, 5, 7, channels, 3, channels);
            Path folder = dir.resolve("c" + channels);
            ImageFolderWriter.write(set, folder, List.of("0", "1", "2"));
            ImageFolder.Contents read = ImageFolder.read(folder, new int[] {5, 7, channels}, CLASSES, "model m");
            assertNull(read.test(), "no train/: one set, no test set");
            assertSameImages(set, read.train());
        }
        BufferedImage red = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        red.setRGB(0, 0, 0xFF0000);
        red.setRGB(1, 0, 0x0000FF);
        Files.createDirectories(dir.resolve("red/0"));
        ImageIO.write(red, "png", dir.resolve("red/0/a.png").toFile());
        float[] pixels = ImageFolder.read(dir.resolve("red"), new int[] {1, 2, 3}, CLASSES, "m").train().image(0);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, pixels, "red then blue, RGB");
    }

    @Test
    void classNamesAreSortedToIndicesAndTestClassesFollowThem() throws IOException {
        LabeledImages random = randomBytes("named", 7, 4, 4, 1, 3, 5);
        // 4 "Bag", 1 "coat", 2 "Sandal": distinct counts, so a wrong mapping shows.
        LabeledImages set = new LabeledImages("named", 4, 4, 1, random.select(IntStream.range(0, 7).toArray(), "x")
                .pixels(), new int[] {0, 2, 0, 1, 0, 2, 0}, 3);
        List<String> names = List.of("Bag", "coat", "Sandal");
        ImageFolderWriter.write(set, dir.resolve("train"), names);
        ImageFolderWriter.write(set.subset(4), dir.resolve("test"), names);
        assertEquals(List.of(4, 1, 2), List.of(set.classCounts()[0], set.classCounts()[1], set.classCounts()[2]));
        ImageFolder.Contents read = ImageFolder.read(dir, new int[] {4, 4, 1}, CLASSES, "m");
        assertFalse(read.classes().indexed());
        assertEquals(List.of("Bag", "Sandal", "coat"), read.classes().names(), "String order: upper case first");
        int[] written = set.classCounts();
        int[] read3 = read.train().classCounts();
        for (int c = 0; c < names.size(); c++) {
            assertEquals(written[c], read3[read.classes().index(names.get(c), names.get(c))], names.get(c));
        }
        assertEquals(4, read.test().size());
        Files.createDirectories(dir.resolve("test/shoe"));
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("test/shoe/x.png").toFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.read(dir, new int[] {4, 4, 1}, CLASSES, "m"));
        assertEquals(dir.resolve("test/shoe") + ": class folder 'shoe' is not among the training classes [Bag, Sandal, "
                + "coat]", e.getMessage());
    }

    @Test
    void indexFoldersKeepTheirNumbersEvenWithGaps() {
        ClassFolders c = ClassFolders.of(List.of("0", "3", "10"), "d");
        assertTrue(c.indexed());
        assertEquals(11, c.classCount());
        assertEquals(10, c.index("10", "d/10"));
        ClassFolders mixed = ClassFolders.of(List.of("0", "01", "b"), "d");
        assertFalse(mixed.indexed(), "01 is not an index (leading zero): all are names");
        assertEquals(List.of("0", "01", "b"), mixed.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassFolders.of(List.of(), "d/train"));
        assertTrue(e.getMessage().startsWith("d/train has no class folders"), e.getMessage());
    }

    @Test
    void anImageOfAnotherSizeIsRefusedInOneLineNamingIt() throws IOException {
        ImageFolderWriter.write(randomBytes("a", 3, 28, 28, 1, 1, 1), dir.resolve("train"), List.of("0"));
        ImageFolderWriter.write(randomBytes("b", 1, 32, 32, 3, 1, 2), dir.resolve("train"), List.of("0"));
        // The 32x32 image overwrote 000000.png.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.read(dir, new int[] {28, 28, 1}, CLASSES, "model lenet"));
        assertEquals(dir.resolve("train/0/000000.png") + ": image of 32x32x3 (height x width x channels); model lenet "
                + "takes 28x28x1 images (resize the images or change the model's input)", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Files.writeString(dir.resolve("train/0/000001.png"), "not a png");
        IOException io = assertThrows(IOException.class, () -> ImageFolder.read(dir, new int[] {32, 32, 3}, CLASSES, "m"));
        assertTrue(io.getMessage().startsWith(dir.resolve("train/0/000001.png") + ": cannot decode the image"),
                io.getMessage());
    }

    @Test
    void moreClassFoldersThanTheModelHasClassesAreRefused() throws IOException {
        ImageFolderWriter.write(randomBytes("r", 6, 2, 2, 1, 3, 7), dir, List.of("a", "b", "c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.read(dir, new int[] {2, 2, 1}, 2, "model two"));
        assertEquals(dir + ": its class folders [a, b, c] need 3 classes; model two has 2", e.getMessage());
        assertEquals(10, ImageFolder.read(dir, new int[] {2, 2, 1}, CLASSES, "m").train().numClasses(),
                "fewer folders than classes: the model's count");
    }

    @Test
    void writingRefusesValuesThatAreNotBytes() {
        LabeledImages normalized = new LabeledImages("n", 1, 1, 1, new float[] {0.5f}, new int[1], 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderWriter.write(normalized, dir, List.of("0")));
        assertTrue(e.getMessage().startsWith("n: image 0 holds 0.5, not a byte"), e.getMessage());
    }
}
