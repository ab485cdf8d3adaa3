package org.sparkmec.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.ImageFolder;
import org.sparkmec.engine.data.ImageFolderWriter;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.spark.testing.TestSessions;

/**
 * Image folders through Spark's image data source against the in-process reader and the IDX files they were
 * written from: the same tensors pixel for pixel, the same labels and order, and the same one-line refusals.
 */
@Timeout(120)
class ImageFolderFramesTest {
    /** The classes of the model the folders are read for in process. */
    private static final int CLASSES = 10;
    private static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSessions.start("local[2]", Map.of());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The records of {@code frame} (label, image struct) in the frame's order, as the trainer reads them. */
    private static List<ImageRecord> records(Dataset<Row> frame) {
        return ImageColumns.defaults().records(frame).collect();
    }

    /** Every record equals the in-process image at the same position, value for value, with the same label. */
    private static void assertSameTensors(LabeledImages inProcess, List<ImageRecord> onSpark) {
        assertEquals(inProcess.size(), onSpark.size(), "images");
        for (int i = 0; i < onSpark.size(); i++) {
            assertArrayEquals(inProcess.image(i), onSpark.get(i).toFloats(), "image " + i);
            assertEquals(inProcess.label(i), onSpark.get(i).label(), "label of image " + i);
        }
    }

    @Test
    void pngFolderFromIdxGivesTheIdxTensorsOnSparkAndInProcess() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR);
        TrainTestSplit idx = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        LabeledImages train = idx.train().subset(200);
        LabeledImages test = idx.test().subset(60);
        ImageFolderWriter.write(train, dir.resolve("train"), DIGITS);
        ImageFolderWriter.write(test, dir.resolve("test"), DIGITS);
        int[] shape = {28, 28, 1};
        ImageFolder.Contents local = ImageFolder.read(dir, shape, CLASSES, "model lenet");
        ImageFolderFrames.Frames frames = ImageFolderFrames.read(spark, dir.toUri().toString(), shape, "model lenet");
        assertEquals(local.classes().names(), frames.classes().names());
        List<ImageRecord> sparkTrain = records(frames.train());
        assertSameTensors(local.train(), sparkTrain);
        assertSameTensors(local.test(), records(frames.test()));
        // And the IDX images themselves: the folder's order is by label, then by IDX position (the file name).
        int[] order = IntStream.range(0, train.size()).boxed()
                .sorted(java.util.Comparator.comparingInt(train::label).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        for (int j = 0; j < order.length; j++) {
            assertArrayEquals(train.image(order[j]), sparkTrain.get(j).toFloats(), "IDX image " + order[j]);
        }
    }

    /** Random RGB and RGBA pixels: Spark's BGR(A) bytes, reordered by ImageColumns, equal the in-process RGB(A). */
    @Test
    void colourImagesGiveTheSameTensorsWithNamedClasses() throws IOException {
        for (int channels : new int[] {3, 4}) {
            SplittableRandom random = new SplittableRandom(channels);
            int n = 30;
            byte[] bytes = new byte[n * 6 * 5 * channels];
            random.nextBytes(bytes);
            LabeledImages set = new LabeledImages("colour", 6, 5, channels, Normalization.toUnitRange(bytes),
                    random.ints(n, 0, 3).toArray(), 3);
            Path folder = dir.resolve("c" + channels);
            ImageFolderWriter.write(set, folder, List.of("zebra", "Ant", "cat"));
            int[] shape = {6, 5, channels};
            ImageFolder.Contents local = ImageFolder.read(folder, shape, CLASSES, "model m");
            ImageFolderFrames.Frames frames = ImageFolderFrames.read(spark, folder.toString(), shape, "model m");
            assertEquals(List.of("Ant", "cat", "zebra"), frames.classes().names());
            assertNull(frames.test(), "a folder without train/ is one set");
            assertSameTensors(local.train(), records(frames.train()));
        }
    }

    @Test
    void anImageOfAnotherSizeOrChannelCountIsRefusedInOneLine() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        byte[] grey = new byte[4 * 8 * 8];
        random.nextBytes(grey);
        ImageFolderWriter.write(new LabeledImages("g", 8, 8, 1, Normalization.toUnitRange(grey), new int[4], 1),
                dir.resolve("train"), List.of("0"));
        byte[] rgb = new byte[8 * 8 * 3];
        random.nextBytes(rgb);
        ImageFolderWriter.write(new LabeledImages("c", 8, 8, 3, Normalization.toUnitRange(rgb), new int[1], 1),
                dir.resolve("train"), List.of("0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderFrames.read(spark, dir.toString(), new int[] {8, 8, 1}, "model tiny"));
        assertTrue(e.getMessage().matches("file:/\\S+/train/0/000000\\.png: image of 8x8x3 \\(height x width x "
                + "channels\\); model tiny takes 8x8x1 images \\(resize the images or change the model's input\\)"),
                e.getMessage());
        ImageFolderWriter.write(new LabeledImages("c", 8, 8, 3, Normalization.toUnitRange(rgb), new int[1], 1),
                dir.resolve("bad"), List.of("0"));
        Files.writeString(dir.resolve("bad/0/000001.png"), "not a png");
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderFrames.read(spark, dir.resolve("bad").toString(), new int[] {8, 8, 3}, "model tiny"));
        assertTrue(e.getMessage().endsWith("/bad/0/000001.png: cannot decode the image (Spark's image data source "
                + "reads PNG, JPEG, GIF and BMP)"), e.getMessage());
    }

    @Test
    void parentAndFileNamesOfOrigins() {
        assertEquals("cat", ImageFolderFrames.parentName("file:/data/train/cat/001.png"));
        assertEquals("001.png", ImageFolderFrames.fileName("file:/data/train/cat/001.png"));
        assertEquals("Ankle boot", ImageFolderFrames.parentName("file:///data/train/Ankle%20boot/0%201.png"));
        assertEquals("0 1.png", ImageFolderFrames.fileName("file:///data/train/Ankle%20boot/0%201.png"));
    }
}
