package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * The in-process trainer: loss decreases, a resumed run equals an uninterrupted one bit for bit, the
 * output files, resume errors, and (where Fashion-MNIST is installed, as CI does) a 2,000-image LeNet
 * run reaching a stated accuracy.
 */
class LocalTrainerTest {
    private static CpuBackend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    /** 10x10 grey images of 3 classes: a bright horizontal bar, a vertical bar or a square, plus noise. */
    private static LabeledImages synthetic(String name, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] pixels = new float[n * 100];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int y = rnd.nextInt(3);
            labels[i] = y;
            int p = 2 + rnd.nextInt(6);
            for (int r = 0; r < 10; r++) {
                for (int c = 0; c < 10; c++) {
                    boolean on = y == 0 ? r == p : y == 1 ? c == p : (r >= 3 && r <= 6 && c >= 3 && c <= 6);
                    pixels[i * 100 + r * 10 + c] = (on ? 0.8f : 0.1f) + (float) (rnd.nextDouble() * 0.2);
                }
            }
        }
        return new LabeledImages(name, 10, 10, 1, pixels, labels, 3);
    }

    private static final String SMALL_MODEL = """
            name = small
            input { height = 10, width = 10, channels = 1 }
            layers = [
              { type = conv2d, name = conv1, filters = 4, kernel = 3, padding = 1, algorithm = mec }
              { type = relu }
              { type = maxpool2d, kernel = 2 }
              { type = conv2d, name = conv2, filters = 6, kernel = 3, algorithm = im2col }
              { type = relu }
              { type = flatten }
              { type = dropout, rate = 0.25 }
              { type = dense, name = fc, units = 3 }
            ]
            """;

    private TrainingOptions options(Path out, int epochs, boolean resume) {
        return new TrainingOptions(epochs, 16, 5, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.05), 1L << 28, out, resume, null);
    }

    private LocalTrainer.Result train(Path out, int epochs, boolean resume) throws IOException {
        return train(out, epochs, resume, epochs);
    }

    /** Trains a run of {@code epochs} epochs, stopping after {@code stopAfter} as if interrupted. */
    private LocalTrainer.Result train(Path out, int epochs, boolean resume, int stopAfter) throws IOException {
        return train(options(out, epochs, resume), stopAfter);
    }

    private LocalTrainer.Result train(TrainingOptions options, int stopAfter) throws IOException {
        ModelSpec spec = ModelFile.parse(SMALL_MODEL, "small.conf");
        TrainTestSplit data = new TrainTestSplit(synthetic("train", 200, 1), synthetic("test", 60, 2));
        return new LocalTrainer(backend, spec, data, options, MecOptions.defaults(), null).runUntil(stopAfter);
    }

    private TrainingOptions withCheckpoints(TrainingOptions o, CheckpointPolicy checkpoints) {
        return new TrainingOptions(o.run(), o.outDir(), o.shards(), checkpoints);
    }

    @Test
    void lossDecreasesAndFilesAreWritten() throws IOException {
        Path out = dir.resolve("run");
        LocalTrainer.Result r = train(out, 3, false);
        assertEquals(3, r.epochs().size());
        assertTrue(r.epochs().get(2).trainLoss() < r.epochs().get(0).trainLoss(), "train loss " + r.epochs());
        assertTrue(r.epochs().get(2).testAccuracy() > 0.6, "a 3-class toy task should be learnt: " + r.epochs());
        List<String> metrics = Files.readAllLines(out.resolve(LocalTrainer.METRICS));
        assertEquals(EpochMetrics.CSV_HEADER, metrics.get(0));
        assertEquals(4, metrics.size());
        List<String> memory = Files.readAllLines(out.resolve(LocalTrainer.LAYER_MEMORY));
        assertEquals(LayerMemoryRow.CSV_HEADER, memory.get(0));
        assertEquals(1 + 8, memory.size(), "one row per layer");
        LayerMemoryRow conv1 = r.layerMemory().get(0);
        assertEquals("mec", conv1.algorithm());
        assertTrue(conv1.workspaceBytes() > 0 && conv1.workspaceBytes() < conv1.im2colWorkspaceBytes(), conv1.toString());
        assertTrue(conv1.peakBytes() >= conv1.workspaceBytes(), conv1.toString());
        for (String f : List.of("checkpoint.ckpt", "model.ckpt", "model.conf")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(ModelFile.parse(SMALL_MODEL, "small.conf"), ModelFile.read(out.resolve("model.conf")));
        assertTrue(Files.notExists(out.resolve(TrainingFiles.CLASSES)), "data without class names: no classes.csv");
        assertEquals(List.of(), Checkpoint.read(out.resolve(TrainingFiles.MODEL_CKPT)).classNames());
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws IOException {
        Path whole = dir.resolve("whole");
        Path split = dir.resolve("split");
        LocalTrainer.Result uninterrupted = train(whole, 3, false);
        train(split, 3, false, 1);
        assertTrue(Files.notExists(split.resolve("model.ckpt")), "an interrupted run writes no final model");
        LocalTrainer.Result resumed = train(split, 3, true);
        Checkpoint a = Checkpoint.read(whole.resolve("model.ckpt"));
        Checkpoint b = Checkpoint.read(split.resolve("model.ckpt"));
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        for (String name : a.parameters().keySet()) {
            assertArrayEquals(a.parameters().get(name).values(), b.parameters().get(name).values(), name);
        }
        assertEquals(a.steps(), b.steps());
        // Epoch 1 comes back from metrics.csv (6 decimals); epochs 2 and 3 were computed by the resumed run.
        assertEquals(uninterrupted.epochs().get(0).trainLoss(), resumed.epochs().get(0).trainLoss(), 1e-6);
        for (int e = 1; e < 3; e++) {
            assertEquals(uninterrupted.epochs().get(e).trainLoss(), resumed.epochs().get(e).trainLoss(), "epoch " + (e + 1));
            assertEquals(uninterrupted.epochs().get(e).testLoss(), resumed.epochs().get(e).testLoss(), "epoch " + (e + 1));
        }
    }

    /**
     * A loss above the bound stops the run at its step, before the update: resumed after epoch 1 with a bound
     * below any loss, the run stops at epoch 2's first step, naming it and the learning rate, and keeps the
     * epoch-1 checkpoint as it was, without a final model.
     */
    @Test
    void aDivergedRunStopsAtItsStepAndKeepsTheLastCheckpoint() throws IOException {
        Path out = dir.resolve("out");
        train(out, 3, false, 1);
        byte[] checkpoint = Files.readAllBytes(out.resolve("checkpoint.ckpt"));
        ModelSpec spec = ModelFile.parse(SMALL_MODEL, "small.conf");
        TrainTestSplit data = new TrainTestSplit(synthetic("train", 200, 1), synthetic("test", 60, 2));
        LocalTrainer trainer = new LocalTrainer(backend, spec, data, options(out, 3, true), MecOptions.defaults(), null)
                .maxLoss(1e-3);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, trainer::run);
        assertTrue(e.getMessage().matches("training diverged at epoch 2 step 1 of 13: the loss is [0-9.e+-]+, above "
                + "spark.mec.train.maxLoss = 0.001 at learning rate 0.0[0-9]+; no update of that step was applied, lower "
                + "the learning rate \\(--lr\\)"), e.getMessage());
        assertArrayEquals(checkpoint, Files.readAllBytes(out.resolve("checkpoint.ckpt")));
        assertTrue(Files.notExists(out.resolve("model.ckpt")));
    }

    @Test
    void aNonFiniteLossAlwaysStopsTheRun() {
        DivergenceCheck noBound = new DivergenceCheck(0);
        noBound.checkLoss(1e30, 0, 0, 10, 0.1);
        assertEquals("training diverged at epoch 3 step 7 of 10: the loss is NaN at learning rate 10.0; no update of "
                + "that step was applied, lower the learning rate (--lr)", assertThrows(TrainingDivergedException.class,
                () -> noBound.checkLoss(Double.NaN, 2, 6, 10, 10.0)).getMessage());
        assertThrows(TrainingDivergedException.class, () -> new DivergenceCheck(1000).checkLoss(
                Double.POSITIVE_INFINITY, 0, 0, 10, 0.1));
    }

    /**
     * A checkpoint folder of its own and an interval of 2 epochs: epoch 1 writes none, epoch 2 and the last one
     * do, and a run resumed from the folder still equals the uninterrupted run (its weights bit for bit).
     */
    @Test
    void checkpointsGoToTheirFolderAtTheirInterval() throws IOException {
        Path whole = dir.resolve("whole");
        train(whole, 3, false);
        Path out = dir.resolve("split");
        CheckpointPolicy every2 = new CheckpointPolicy(dir.resolve("ckpts"), 2);
        train(withCheckpoints(options(out, 3, false), every2), 1);
        assertTrue(Files.notExists(every2.file()) && Files.notExists(out.resolve(LocalTrainer.CHECKPOINT)),
                "no checkpoint after epoch 1 of every 2");
        train(withCheckpoints(options(out, 3, false), every2), 2);
        assertEquals(2, Checkpoint.read(every2.file()).epochsCompleted());
        assertTrue(Files.notExists(out.resolve(LocalTrainer.CHECKPOINT)), "the checkpoint goes to its own folder only");
        LocalTrainer.Result resumed = train(withCheckpoints(options(out, 3, true), every2), 3);
        assertEquals(3, Checkpoint.read(every2.file()).epochsCompleted(), "the last epoch always writes one");
        assertEquals(List.of(1, 2, 3), resumed.epochs().stream().map(EpochMetrics::epoch).toList());
        Checkpoint a = Checkpoint.read(whole.resolve("model.ckpt"));
        Checkpoint b = Checkpoint.read(out.resolve("model.ckpt"));
        for (String name : a.parameters().keySet()) {
            assertArrayEquals(a.parameters().get(name).values(), b.parameters().get(name).values(), name);
        }

        Path lastOnly = dir.resolve("last-only");
        train(withCheckpoints(options(lastOnly, 3, false), new CheckpointPolicy(lastOnly, 0)), 2);
        assertTrue(Files.notExists(lastOnly.resolve(LocalTrainer.CHECKPOINT)), "interval 0: none before the last epoch");
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> train(lastOnly, 3, true));
        assertTrue(none.getMessage().contains("no checkpoint at " + lastOnly.resolve("checkpoint.ckpt")),
                none.getMessage());
    }

    @Test
    void resumeRefusesADifferentSeedModelOrFinishedRun() throws IOException {
        Path out = dir.resolve("r");
        train(out, 2, false);
        IllegalArgumentException done = assertThrows(IllegalArgumentException.class, () -> train(out, 2, true));
        assertTrue(done.getMessage().contains("already trained 2 epochs and --epochs is 2")
                && done.getMessage().contains(out.resolve("checkpoint.ckpt").toString()), done.getMessage());
        ModelSpec spec = ModelFile.parse(SMALL_MODEL, "small.conf");
        TrainTestSplit data = new TrainTestSplit(synthetic("train", 200, 1), synthetic("test", 60, 2));
        TrainingOptions otherSeed = new TrainingOptions(3, 16, 6, 0, OptimizerSpec.defaults(OptimizerKind.SGD),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.05), 1L << 28, out, true, null);
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> new LocalTrainer(backend, spec, data, otherSeed, MecOptions.defaults(), null).run());
        assertTrue(seed.getMessage().contains("seed 5") && seed.getMessage().contains("--seed 6"), seed.getMessage());
        ModelSpec wider = ModelFile.parse(SMALL_MODEL.replace("filters = 4", "filters = 5"), "small.conf");
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> new LocalTrainer(backend, wider, data, options(out, 3, true), MecOptions.defaults(), null).run());
        assertTrue(model.getMessage().contains("another model declaration") && model.getMessage().contains("filters = 4")
                && model.getMessage().contains("filters = 5"), model.getMessage());
    }

    /**
     * The run's class names go into classes.csv, checkpoint.ckpt and model.ckpt; a resume on data of other names
     * is refused before anything is written.
     */
    @Test
    void classNamesAreWrittenAndCheckedOnResume() throws IOException {
        Path out = dir.resolve("named");
        List<String> names = List.of("bar", "column", "square");
        train(options(out, 2, false).withClassNames(names), 1);
        assertEquals(List.of("index,name", "0,bar", "1,column", "2,square"),
                Files.readAllLines(out.resolve(TrainingFiles.CLASSES)));
        assertEquals(names, Checkpoint.read(out.resolve(LocalTrainer.CHECKPOINT)).classNames());
        List<String> metrics = Files.readAllLines(out.resolve(LocalTrainer.METRICS));

        List<String> reordered = List.of("column", "bar", "square");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(options(out, 2, true).withClassNames(reordered), 2));
        assertTrue(e.getMessage().startsWith("cannot resume: the checkpoint at " + out.resolve(LocalTrainer.CHECKPOINT)
                + " was trained on 3 classes [bar, column, square], this run's data has 3 classes [column, bar, square]"
                + " (class 0 is 'bar' in the checkpoint and 'column' in this run)"), e.getMessage());
        assertEquals("0,bar", Files.readAllLines(out.resolve(TrainingFiles.CLASSES)).get(1), "classes.csv kept");
        assertEquals(metrics, Files.readAllLines(out.resolve(LocalTrainer.METRICS)), "metrics.csv kept");
        assertTrue(Files.notExists(out.resolve(TrainingFiles.MODEL_CKPT)), "no final model");

        train(options(out, 2, true).withClassNames(names), 2);
        assertEquals(names, Checkpoint.read(out.resolve(TrainingFiles.MODEL_CKPT)).classNames());
    }

    @Test
    void modelAndDataMustAgree() {
        ModelSpec spec = ModelFile.parse(SMALL_MODEL.replace("height = 10", "height = 12"), "small.conf");
        TrainTestSplit data = new TrainTestSplit(synthetic("train", 20, 1), synthetic("test", 6, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LocalTrainer(backend, spec, data, options(dir, 1, false), MecOptions.defaults(), null));
        assertTrue(e.getMessage().contains("12x10x1") && e.getMessage().contains("10x10x1"), e.getMessage());
    }

    /** 2,000 Fashion-MNIST images, LeNet, 2 epochs of SGD: at least 70% test accuracy (measured: about 76%). */
    @Test
    void lenetOnTwoThousandFashionMnistImagesReachesSeventyPercent() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist; CI installs it)");
        ModelSpec lenet = ModelFile.read(Path.of("..", "conf", "models", "lenet.conf"));
        TrainingOptions opts = new TrainingOptions(2, 32, 1, 2000, OptimizerSpec.defaults(OptimizerKind.SGD)
                .withMomentum(0.9), ScheduleSpec.of(ScheduleKind.COSINE, 0.01), 1L << 28, dir.resolve("lenet"), false,
                null);
        LocalTrainer.Result r = new LocalTrainer(backend, lenet, FashionMnist.load(FashionMnist.DEFAULT_DIR), opts,
                MecOptions.defaults(), null).run();
        double accuracy = r.epochs().get(1).testAccuracy();
        assertTrue(accuracy >= 0.70, "test accuracy " + accuracy);
    }
}
