package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.TrainConf;
import picocli.CommandLine;

/**
 * {@code ./mec train} end to end: tiny runs in process and on local[2], each resumed, the output-folder rule
 * ({@link RunFolders}) on both paths, and the errors it gives.
 */
class TrainCommandTest {
    private static final Path LENET = Path.of("..", "conf", "models", "lenet.conf");
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;


    @Test
    void trainsWritesFilesAndResumes() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path out = dir.resolve("lenet");
        CliRun first = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "1", "--limit", "320",
                "--batch", "32", "--out", out.toString(), "--no-progress");
        assertEquals(0, first.exit(), first.err());
        for (String f : List.of("metrics.csv", "layer_memory.csv", "checkpoint.ckpt", "model.conf", "model.ckpt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        assertPngs(out, "training.png", "layer_memory.png");
        assertEquals("epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,images_per_s,validation_loss,"
                        + "validation_accuracy",
                Files.readAllLines(out.resolve("metrics.csv")).get(0));
        assertEquals("layer,type,algorithm,weights_bytes,gradients_bytes,activations_bytes,workspace_bytes,"
                + "im2col_workspace_bytes,peak_bytes", Files.readAllLines(out.resolve("layer_memory.csv")).get(0));
        CliRun resumed = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "2", "--limit", "320", "--out",
                out.toString(), "--resume", "--no-progress");
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and two epochs");

        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        CliRun again = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "3", "--limit",
                "320", "--out", out.toString(), "--no-progress");
        assertUsageError(again, "--out " + out.toAbsolutePath() + " already holds a training run's files", "--resume");
        assertEquals(metrics, Files.readAllLines(out.resolve("metrics.csv")), "a refused run changes nothing");
    }

    @Test
    @Timeout(120)
    void trainsOnSparkWritingTheSameFiles() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path out = dir.resolve("lenet-spark");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--epochs", "1", "--limit",
                "1000", "--batch", "100", "--out", out.toString(), "--conf", "spark.ui.enabled=false");
        assertEquals(0, r.exit(), r.err());
        for (String f : List.of("metrics.csv", "layer_memory.csv", "checkpoint.ckpt", "model.conf", "model.ckpt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        assertPngs(out, "training.png", "layer_memory.png");
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(List.of(EpochMetrics.CSV_HEADER), metrics.subList(0, 1));
        assertEquals(2, metrics.size(), "header and one epoch: " + metrics);
        assertTrue(Files.readAllLines(out.resolve("layer_memory.csv")).get(0).endsWith(",executor"));
        assertTrue(r.out().contains("on local[2], 2 workers x 100 images per step, test accuracy")
                && r.out().contains("images/s; wrote " + out), r.out());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "the session was not stopped");

        CliRun resumed = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--epochs", "2",
                "--limit", "1000", "--batch", "100", "--out", out.toString(), "--conf", "spark.ui.enabled=false",
                "--resume");
        assertEquals(0, resumed.exit(), resumed.err());
        List<String> both = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(metrics.get(1), both.get(1), "the first epoch's row is kept as it was");
        assertEquals(3, both.size(), "header and two epochs: " + both);
        assertEquals(2, Checkpoint.read(out.resolve("model.ckpt")).epochsCompleted());
        assertEquals(2, Checkpoint.read(out.resolve("checkpoint.ckpt")).epochsCompleted());
        assertTrue(resumed.out().contains("lenet: 2 epochs on local[2]"), resumed.out());
    }

    /**
     * A Spark run that fails once training has started (here: a barrier stage of 3 workers on 2 cores, which
     * Spark refuses after one retry a second later) deletes the folders it created, and leaves the folder and
     * file that were there before.
     */
    @Test
    @Timeout(120)
    void aSparkRunFailingBeforeItsFirstEpochRemovesWhatItCreated() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(existing.resolve("notes.txt"), "mine\n");
        Path out = existing.resolve("runs/lenet");
        // A loss bound below any loss stops the run at its first step, after model.conf was written.
        CliRun r = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--epochs", "1", "--limit",
                "300", "--workers", "2", "--out", out.toString(), "--conf", "spark.ui.enabled=false",
                "--conf", "spark.mec.train.maxLoss=0.01");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("mec train: training lenet stopped: training diverged at epoch 1 step 1 of 5"),
                r.err());
        assertTrue(Files.notExists(existing.resolve("runs")), "the folders the run created are gone");
        assertEquals("mine\n", Files.readString(existing.resolve("notes.txt")));
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "the session was not stopped");
    }

    /**
     * Failures that a retry would repeat end the Spark run at once with one line naming the cause (and the
     * executor): too few task slots for the workers, a backend the executors cannot use.
     */
    @Test
    void deterministicSparkFailuresEndInOneLine() {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        CliRun slots = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--epochs", "1",
                "--limit", "300", "--workers", "64", "--out", dir.resolve("slots").toString(), "--conf",
                "spark.ui.enabled=false");
        assertEquals(2, slots.exit(), slots.err());
        assertEquals("mec train: 64 training workers (spark.mec.train.workers) need 64 task slots at once (one barrier "
                + "task each), but local[2] has 2 (executor cores / spark.task.cpus = 1); use at most 2 or add executors",
                slots.err().strip());
        CliRun cuda = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--epochs", "1",
                "--limit", "300", "--out", dir.resolve("cuda").toString(), "--conf", "spark.ui.enabled=false",
                "--conf", "spark.mec.backend=cuda", "--conf", "spark.mec.cuda.device=99");
        assertEquals(2, cuda.exit(), cuda.err());
        assertEquals(1, cuda.err().strip().lines().count(), cuda.err());
        assertTrue(cuda.err().startsWith("mec train: training lenet cannot start: on executor driver (127.0.0.1): "
                + "spark.mec.backend=cuda was requested but GPU 99"), cuda.err());
        assertTrue(Files.notExists(dir.resolve("slots")) && Files.notExists(dir.resolve("cuda")), "nothing written");
    }

    @Test
    void runningOutOfHeapNamesWhatToRaise() {
        assertEquals("mec: out of memory (Java heap space): raise the heap, e.g. MEC_JAVA_OPTS=-Xmx8g ./mec ... "
                + "(default -Xmx4g), or spark.driver.memory (--driver-memory) under spark-submit",
                MecMain.outOfMemory(new OutOfMemoryError("Java heap space")));
    }

    @Test
    void aLimitAboveTheDataIsNamed() {
        assertEquals("--limit 100000 (spark.mec.train.limit) is more than the 60000 training images: all 60000 are used",
                TrainCommand.limitWarning(100000, 60000));
        assertNull(TrainCommand.limitWarning(60000, 60000));
        assertNull(TrainCommand.limitWarning(0, 60000));
    }

    /** --backend sets spark.mec.backend as on ./mec bench: validated, and used by the engine. */
    @Test
    void backendOptionChoosesTheEngine() {
        assertUsageError(CliRun.of("train", "--master", "none", "--backend", "gpu", "--out", dir.resolve("gpu").toString()),
                "spark.mec.backend");
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        CliRun cuda = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "1", "--limit",
                "100", "--backend", "cuda", "--conf", "spark.mec.cuda.device=99", "--no-progress", "--out",
                dir.resolve("cuda").toString());
        assertEquals(2, cuda.exit(), cuda.err());
        assertTrue(cuda.err().contains("spark.mec.backend=cuda was requested but GPU 99"), cuda.err());
    }

    @Test
    void badInputFoundBeforeTrainingWritesNothing() {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path out = dir.resolve("vgg");
        CliRun r = CliRun.of("train", "--master", "none", "--model", Path.of("..", "conf", "models", "vgg-small.conf")
                .toString(), "--epochs", "1", "--out", out.toString(), "--no-progress");
        assertUsageError(r, "takes 32x32x3 images but the data has 28x28x1");
        assertTrue(Files.notExists(out), "no output folder");
    }

    @Test
    void invalidSettingsFailBeforeTheSessionStarts() {
        CliRun batch = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--out", dir.toString(),
                "--batch", "0");
        assertUsageError(batch, "invalid value '0' for spark.mec.train.batchSize", "allowed: an integer >= 1");

        CliRun workers = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--out", dir.toString(),
                "--conf", "spark.mec.train.workers=-1");
        assertUsageError(workers, "invalid value '-1' for spark.mec.train.workers", "allowed: an integer from 0 to 4096");

        CliRun unknown = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(),
                "--conf", "spark.mec.train.epoch=3");
        assertUsageError(unknown, "unknown configuration key(s) [spark.mec.train.epoch]");

        CliRun master = CliRun.of("train", "--master", "local[two]", "--model", LENET.toString(), "--out", dir.toString());
        assertUsageError(master, "--master local[two]: not a Spark master URL", "spark://host:port");

        CliRun notSpark = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(), "--conf", "ui=false");
        assertUsageError(notSpark, "--conf ui", "spark.*");

        CliRun inProcess = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out", dir.toString(),
                "--conf", "spark.ui.enabled=false");
        assertUsageError(inProcess, "--conf spark.ui.enabled", "--master none");

        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path none = dir.resolve("none");
        CliRun resume = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--out", none.toString(),
                "--resume");
        assertUsageError(resume, "cannot resume: no checkpoint at " + none.resolve("checkpoint.ckpt"));
        assertTrue(Files.notExists(none), "a refused resume creates no folder");

        // A setting only Spark validates: SparkContext fails to start; its ERROR and the metrics warning stay in the log.
        Path cpus = dir.resolve("cpus");
        CliRun taskCpus = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--out", cpus.toString(),
                "--limit", "64", "--conf", "spark.task.cpus=abc");
        assertUsageError(taskCpus, "'abc'", "spark.task.cpus");
    }

    /**
     * {@code --no-augment-flip} turns off a flip that {@code --conf} or spark-defaults.conf (under spark-submit, the
     * settings the options start from) turn on, and {@code --augment-flip} turns it on; without either the setting
     * stands.
     */
    @Test
    void augmentFlipIsNegatable() {
        String on = TrainConf.AUGMENT_FLIP.key() + "=true";
        Map<String, String> defaultsOn = Map.of(TrainConf.AUGMENT_FLIP.key(), "true");
        assertEquals(false, flip(Map.of(), "--conf", on, "--no-augment-flip"));
        assertEquals(false, flip(defaultsOn, "--no-augment-flip"));
        assertEquals(true, flip(defaultsOn));
        assertEquals(true, flip(Map.of(), "--conf", on));
        assertEquals(true, flip(Map.of(), "--conf", TrainConf.AUGMENT_FLIP.key() + "=false", "--augment-flip"));
        assertEquals(false, flip(Map.of()), "the default");
        String help = CliRun.of("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--[no-]augment-flip Augment the training images")
                && help.contains("(spark.mec.train.augment.flip; default false). --no-augment-flip turns off a flip "
                + "set by --conf or, under spark-submit, spark-defaults.conf."), help);
    }

    /** spark.mec.train.augment.flip as the command's options resolve it over {@code base} (spark-defaults.conf). */
    private static boolean flip(Map<String, String> base, String... args) {
        TrainCommand train = new TrainCommand();
        List<String> all = new java.util.ArrayList<>(List.of("--out", "unused"));
        all.addAll(List.of(args));
        new CommandLine(train).parseArgs(all.toArray(String[]::new));
        return TrainConf.from(train.mecSettings(base, CliSettings.keyValues("--conf", train.conf)))
                .get(TrainConf.AUGMENT_FLIP);
    }

    /** Unknown options and bad values of the options: the same one-line error and hint. */
    @Test
    void badCommandLinesAreUsageErrors() {
        assertUsageError(CliRun.of("train", "--epoch", "3", "--out", dir.toString()), "Unknown options: '--epoch', '3'",
                "did you mean --epochs");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString()),
                "Missing required option: '--out=DIR'");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out", dir.toString(),
                "--epochs", "ten"), "Invalid value for option '--epochs': 'ten' is not an int");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out", dir.toString(),
                "--epochs", "0"), "invalid value '0' for spark.mec.train.epochs", "allowed: an integer >= 1");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out", dir.toString(),
                "--epochs", "-2"), "invalid value '-2' for spark.mec.train.epochs");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out", dir.toString(),
                "--checkpoint-every", "-1"), "invalid value '-1' for spark.mec.train.checkpointEveryEpochs",
                "allowed: an integer >= 0");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", dir.resolve("nope.conf").toString(), "--out",
                dir.toString()), "nope.conf", "model file not found");
        assertUsageError(CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out",
                dir.resolve("x").toString(), "--data", dir.resolve("no-data").toString()), "no-data", "--data");
        assertTrue(Files.notExists(dir.resolve("x")), "no output folder");
    }

    /** Exit code 2, one line naming the problem and one pointing at --help, and no Spark session left behind. */
    private static void assertUsageError(CliRun r, String... parts) {
        assertEquals(2, r.exit(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.get(0).endsWith("; try 'mec train --help'"), "the usage hint ends the line: " + r.err());
        for (String part : parts) {
            assertTrue(lines.get(0).startsWith("mec train: ") && lines.get(0).contains(part),
                    "'" + part + "' missing from: " + r.err());
        }
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "a Spark session was started");
    }

    @Test
    void badInputIsRejectedNamingTheValue() throws IOException {
        CliRun model = CliRun.of("train", "--model", dir.resolve("nope.conf").toString(), "--out", dir.toString());
        assertEquals(2, model.exit());
        assertTrue(model.err().contains("nope.conf"), model.err());

        CliRun optimizer = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(), "--optimizer", "rmsprop");
        assertEquals(2, optimizer.exit());
        assertTrue(optimizer.err().contains("spark.mec.train.optimizer") && optimizer.err().contains("'rmsprop'"),
                optimizer.err());

        CliRun algorithm = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(), "--algorithm", "fft");
        assertEquals(2, algorithm.exit());
        assertTrue(algorithm.err().contains("'fft'"), algorithm.err());

        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "name = bad\ninput { height = 4, width = 4, channels = 1 }\nlayers = [\n"
                + "  { type = conv2d, name = conv1, filters = 2, kernel = 5 }\n  { type = flatten }\n"
                + "  { type = dense, units = 10 }\n]\n");
        CliRun shape = CliRun.of("train", "--model", bad.toString(), "--out", dir.toString());
        assertEquals(2, shape.exit());
        assertTrue(shape.err().contains("bad.conf:4") && shape.err().contains("kernel 5x5 larger than input 4x4"),
                shape.err());

        CliRun resume = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--out",
                dir.resolve("empty").toString(), "--resume",
                "--data", dir.toString());
        assertEquals(2, resume.exit());
        assertTrue(resume.err().contains("dataset-fashion-mnist") && resume.err().contains("--data"), resume.err());
    }

    /** Each file is a readable PNG image of the charts' size. */
    static void assertPngs(Path dir, String... names) throws IOException {
        for (String name : names) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(dir.resolve(name).toFile());
            assertTrue(image != null && image.getWidth() == 1000 && image.getHeight() == 600, name + " is not a 1000x600 PNG");
        }
    }
}
