package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.ImageFolderWriter;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.testing.TestSessions;

/**
 * {@code ./mec train --data} beyond IDX: a PNG folder with named classes (in process and on local[2]), a Parquet
 * table with its own column names, augmentation and the validation split, and the one-line refusals.
 */
@Timeout(300)
class TrainDataCommandTest {
    private static final Path LENET = Path.of("..", "conf", "models", "lenet.conf");
    /** Fashion-MNIST's classes as folder names: sorted, they are not in label order. */
    private static final List<String> NAMES = FashionMnist.CLASS_NAMES.stream().map(n -> n.replace('/', '-')).toList();

    @TempDir
    static Path shared;
    private static Path pngFolder;
    private static TrainTestSplit subset;

    @TempDir
    Path dir;

    @BeforeAll
    static void writePngFolder() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST is not installed");
        TrainTestSplit all = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        subset = new TrainTestSplit(all.train().subset(320), all.test().subset(100));
        pngFolder = shared.resolve("fashion-png");
        ImageFolderWriter.write(subset.train(), pngFolder.resolve("train"), NAMES);
        ImageFolderWriter.write(subset.test(), pngFolder.resolve("test"), NAMES);
    }

    private static CliRun train(String master, Path data, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--master", master, "--model", LENET.toString(),
                "--epochs", "1", "--batch", "32", "--data", data.toString(), "--out", out.toString(), "--no-progress"));
        if (!master.equals("none")) {
            args.addAll(List.of("--conf", "spark.ui.enabled=false"));
        }
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertTrainedWithValidation(CliRun r, Path out) throws IOException {
        assertEquals(0, r.exit(), r.err());
        List<String> classes = Files.readAllLines(out.resolve("classes.csv"));
        assertEquals("index,name", classes.get(0));
        List<String> sorted = NAMES.stream().sorted().toList();
        assertEquals(sorted, classes.stream().skip(1).map(l -> l.substring(l.indexOf(',') + 1))
                .toList(), "sorted names to indices 0..9");
        for (String ckpt : List.of("checkpoint.ckpt", "model.ckpt")) {
            assertEquals(sorted, Checkpoint.read(out.resolve(ckpt)).classNames(), ckpt + " holds the class names");
        }
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(EpochMetrics.CSV_HEADER, metrics.get(0));
        EpochMetrics m = EpochMetrics.parseCsv(metrics.get(1));
        assertTrue(m.hasValidation() && m.validationAccuracy() >= 0 && !Double.isNaN(m.testAccuracy()), metrics.get(1));
        assertTrue(r.out().contains("validation accuracy " + String.format(java.util.Locale.ROOT, "%.2f%%",
                100 * m.validationAccuracy()) + ", test accuracy"), r.out());
    }

    @Test
    void trainsFromANamedPngFolderInProcessWithAugmentationAndValidation() throws IOException {
        Path out = dir.resolve("png-local");
        CliRun r = train("none", pngFolder, out, "--validation-fraction", "0.25", "--augment-padding", "2",
                "--augment-flip");
        assertTrainedWithValidation(r, out);
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(2, metrics.size());

        // Resumed on a folder whose classes differ ("Bag" renamed): refused in one line, nothing written.
        Path renamed = dir.resolve("renamed");
        ImageFolderWriter.write(subset.train().subset(40), renamed,
                NAMES.stream().map(n -> n.equals("Bag") ? "Handbag" : n).toList());
        CliRun resumed = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "2", "--batch",
                "32", "--data", renamed.toString(), "--out", out.toString(), "--no-progress", "--resume");
        assertUsageError(resumed, "cannot resume: the checkpoint at " + out.resolve("checkpoint.ckpt")
                + " was trained on 10 classes [Ankle boot, Bag, Coat, ", "this run's data has 10 classes [Ankle boot, "
                + "Coat, Dress, Handbag, ", "(class 1 is 'Bag' in the checkpoint and 'Coat' in this run)");
        assertEquals(metrics, Files.readAllLines(out.resolve("metrics.csv")), "metrics.csv kept");
        assertEquals("1,Bag", Files.readAllLines(out.resolve("classes.csv")).get(2), "classes.csv kept");
    }

    @Test
    void trainsFromTheSamePngFolderOnSpark() throws IOException {
        Path out = dir.resolve("png-spark");
        CliRun r = train("local[2]", pngFolder, out, "--validation-fraction", "0.25", "--augment-padding", "2");
        assertTrainedWithValidation(r, out);
        assertTrue(r.out().contains("2 workers x 32 images per step"), r.out());
    }

    @Test
    void trainsFromParquetWithItsOwnColumnNames() throws IOException {
        Path table = dir.resolve("table");
        SparkSession spark = TestSessions.start("local[2]", Map.of());
        try {
            ImageFrames.of(spark, subset.train(), 2).withColumnRenamed("label", "y").withColumnRenamed("image", "pixels")
                    .write().parquet(table.resolve("train").toString());
            ImageFrames.of(spark, subset.test(), 1).withColumnRenamed("label", "y").withColumnRenamed("image", "pixels")
                    .write().parquet(table.resolve("test").toString());
        } finally {
            spark.stop();
        }
        Path out = dir.resolve("parquet");
        CliRun r = train("local[2]", table, out, "--image-col", "pixels", "--label-col", "y");
        assertEquals(0, r.exit(), r.err());
        EpochMetrics m = EpochMetrics.parseCsv(Files.readAllLines(out.resolve("metrics.csv")).get(1));
        assertTrue(m.testAccuracy() > 0.2 && !m.hasValidation(), m.toString());
        assertFalse(Files.exists(out.resolve("classes.csv")), "a table names no classes");

        CliRun wrongColumn = train("local[2]", table, dir.resolve("parquet-2"));
        assertUsageError(wrongColumn, "--data " + table.resolve("train"), "the image column 'image' is not in the data",
                "--label-col and --image-col");
        CliRun inProcess = train("none", table, dir.resolve("parquet-3"), "--image-col", "pixels", "--label-col", "y");
        assertUsageError(inProcess, "is a parquet table: reading it needs Spark");
        assertFalse(Files.exists(dir.resolve("parquet-2")) || Files.exists(dir.resolve("parquet-3")), "nothing written");
    }

    /** A 32x32 RGB image among 28x28 grey ones: one line naming the file and both sizes, in process and on Spark. */
    @Test
    void anImageOfAnotherSizeIsRefusedInOneLine() throws IOException {
        Path folder = dir.resolve("mixed");
        ImageFolderWriter.write(subset.train().subset(40), folder, NAMES);
        byte[] rgb = new byte[32 * 32 * 3];
        new java.util.Random(1).nextBytes(rgb);
        ImageFolderWriter.write(new LabeledImages("odd", 32, 32, 3, Normalization.toUnitRange(rgb), new int[1], 10),
                folder, NAMES);
        // The odd image replaced T-shirt-top/000000.png.
        Path odd = folder.resolve(NAMES.get(0)).resolve("000000.png");
        String expected = ": image of 32x32x3 (height x width x channels); model lenet takes 28x28x1 images (resize "
                + "the images or change the model's input)";
        assertUsageError(train("none", folder, dir.resolve("o1")), odd + expected);
        assertUsageError(train("local[2]", folder, dir.resolve("o2")), odd.toUri().getPath() + expected);
        assertFalse(Files.exists(dir.resolve("o1")) || Files.exists(dir.resolve("o2")), "nothing written");
    }

    @Test
    void helpNamesTheDataKindsAndOptions() {
        CliRun r = CliRun.of("train", "--help");
        assertEquals(0, r.exit());
        for (String s : List.of("--data=PATH", "PATH/train/<label>/*.png", "Parquet", "--image-col", "--label-col",
                "--validation-fraction", "--augment-padding", "--[no-]augment-flip",
                "spark.mec.train.validationFraction",
                "RGB", "b / 255")) {
            // Without white space: picocli wraps lines anywhere, even inside a key.
            assertTrue(r.out().replaceAll("\\s+", "").contains(s.replaceAll("\\s+", "")), s + " missing from the help");
        }
    }

    private static void assertUsageError(CliRun r, String... parts) {
        assertEquals(2, r.exit(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        for (String part : parts) {
            assertTrue(lines.get(0).contains(part), "'" + part + "' missing from: " + r.err());
        }
    }
}
