package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.Augmentation;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;

/** The in-process trainer with a validation split, augmentation and data without a test set. */
class LocalTrainerDataOptionsTest {
    @TempDir
    Path dir;

    private static final ModelSpec MODEL = ModelFile.parse("""
            name = tiny
            input { height = 8, width = 8, channels = 2 }
            layers = [
              { type = conv2d, name = conv1, filters = 3, kernel = 3, padding = 1, algorithm = mec }
              { type = relu }
              { type = flatten }
              { type = dense, name = fc, units = 4 }
            ]
            """, "tiny.conf");

    /** 8x8x2 images whose class is the quadrant of a bright spot, plus noise. */
    private static LabeledImages spots(String name, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[n * 128];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(4);
            int y = (labels[i] / 2) * 4 + random.nextInt(4);
            int x = (labels[i] % 2) * 4 + random.nextInt(4);
            for (int p = 0; p < 128; p++) {
                pixels[i * 128 + p] = (float) random.nextDouble(0, 0.3);
            }
            pixels[i * 128 + (y * 8 + x) * 2] = 1f;
        }
        return new LabeledImages(name, 8, 8, 2, pixels, labels, 4);
    }

    private TrainingOptions options(String out, Augmentation augmentation, double validationFraction) {
        RunSettings run = new RunSettings(2, 16, 9, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.CONSTANT, 0.05), 1L << 28, null, false)
                .withAugmentation(augmentation).withValidationFraction(validationFraction);
        return new TrainingOptions(run, dir.resolve(out), 1, CheckpointPolicy.defaults(dir.resolve(out)));
    }

    private record Run(List<Double> losses, LocalTrainer.Result result) {
    }

    private Run train(TrainTestSplit data, TrainingOptions options) throws IOException {
        List<Double> losses = new ArrayList<>();
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS))) {
            LocalTrainer.Result r = new LocalTrainer(backend, MODEL, data, options, MecOptions.defaults(), null)
                    .onStep((step, loss, images) -> losses.add(loss)).run();
            return new Run(losses, r);
        }
    }

    @Test
    void validationIsReportedEveryEpochBesideTheTestSet() throws IOException {
        TrainTestSplit data = new TrainTestSplit(spots("train", 200, 1), spots("test", 40, 2));
        Run run = train(data, options("v", Augmentation.NONE, 0.25));
        assertEquals(2 * ((150 + 15) / 16), run.losses().size(), "150 of 200 images train, batches of 16");
        for (EpochMetrics m : run.result().epochs()) {
            assertTrue(m.hasValidation(), m.toString());
            assertTrue(m.validationAccuracy() >= 0 && m.validationAccuracy() <= 1 && !Double.isNaN(m.testAccuracy()));
            assertEquals(0, Math.round(m.validationAccuracy() * 50) - m.validationAccuracy() * 50, 1e-9,
                    "an accuracy over the 50 held-out images");
        }
        List<String> lines = Files.readAllLines(dir.resolve("v").resolve(TrainingFiles.METRICS));
        assertEquals(EpochMetrics.CSV_HEADER, lines.get(0));
        assertEquals(9, lines.get(1).split(",").length);
        List<EpochMetrics> back = TrainingFiles.readMetrics(dir.resolve("v").resolve(TrainingFiles.METRICS), 2);
        for (int e = 0; e < 2; e++) {
            assertEquals(run.result().epochs().get(e).validationAccuracy(), back.get(e).validationAccuracy(), 1e-6);
            assertEquals(run.result().epochs().get(e).validationLoss(), back.get(e).validationLoss(), 1e-6);
        }
    }

    @Test
    void augmentedRunsRepeatAndDifferFromPlainOnes() throws IOException {
        TrainTestSplit data = new TrainTestSplit(spots("train", 120, 3), spots("test", 30, 4));
        Augmentation a = new Augmentation(2, true);
        Run first = train(data, options("a1", a, 0));
        Run second = train(data, options("a2", a, 0));
        Run plain = train(data, options("p", Augmentation.NONE, 0));
        assertEquals(first.losses(), second.losses(), "same seed, same augmented run");
        assertFalse(first.losses().equals(plain.losses()), "augmentation changes what is trained on");
        assertEquals(first.losses().get(0), plain.losses().get(0), 0.5, "but the same kind of loss");
    }

    @Test
    void dataWithoutATestSetReportsNaNForIt() throws IOException {
        Run run = train(TrainTestSplit.trainOnly(spots("train", 100, 5)), options("n", Augmentation.NONE, 0.2));
        EpochMetrics last = run.result().epochs().get(1);
        assertTrue(Double.isNaN(last.testAccuracy()) && Double.isNaN(last.testLoss()), last.toString());
        assertTrue(last.hasValidation());
    }
}
