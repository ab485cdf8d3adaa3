package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.Augmentation;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.CheckpointPolicy;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.RunSettings;
import org.sparkmec.engine.train.TrainingOptions;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.ml.MecClassificationModel;
import org.sparkmec.spark.ml.MecClassifier;
import org.sparkmec.spark.testing.FashionMnistSubsets;
import org.sparkmec.spark.testing.TestSessions;

/**
 * Augmentation and the validation split on Spark (local[2]): the same steps as the in-process trainer at the same
 * seed, however the images are dealt to workers, and the Estimator's Params for them.
 */
@Timeout(300)
class DistributedTrainerDataOptionsTest {
    private static final int TRAIN = 800;
    private static final int TEST = 200;
    private static SparkSession spark;
    private static TrainTestSplit data;
    private static ModelSpec lenet;

    @BeforeAll
    static void start() throws Exception {
        data = FashionMnistSubsets.first(TRAIN, TEST);
        lenet = FashionMnistSubsets.lenet();
        spark = TestSessions.start("local[2]", Map.of());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static RunSettings run(int batch, Augmentation augmentation, double validationFraction) {
        return new RunSettings(1, batch, 13, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.02), 256L << 20, ConvAlgorithmChoice.MEC, false)
                .withAugmentation(augmentation).withValidationFraction(validationFraction);
    }

    private static DistributedResult onSpark(Path out, Augmentation augmentation, double validationFraction, int workers,
                                             Dataset<Row> test) {
        SparkTrainingOptions options = new SparkTrainingOptions(run(32, augmentation, validationFraction), workers, 10,
                ".", 1);
        return new DistributedTrainer(spark, lenet, options, Map.of())
                .fit(ImageFrames.of(spark, data.train(), 3), test, ImageColumns.defaults(), out);
    }

    /**
     * Augmented and with a validation split, the Spark run (2 workers x 32) takes the in-process trainer's steps
     * (batch 64, the 2-worker data order) to 1e-3 relative, as without them
     * ({@code DistributedTrainerLocalTest}): each image is cropped and flipped by (seed, epoch, global index)
     * on whichever worker holds it, and both hold out the same images. The validation accuracy is over the same
     * 200 images with weights equal up to float summation order: equal within one image.
     */
    @Test
    void augmentedRunWithValidationEqualsTheInProcessTrainer(@TempDir Path dir) throws Exception {
        Augmentation augmentation = new Augmentation(2, true);
        DistributedResult spark2 = onSpark(dir.resolve("spark"), augmentation, 0.25,
                2, ImageFrames.of(spark, data.test(), 2));
        List<Double> local = new ArrayList<>();
        LocalTrainer.Result localResult;
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS, 0))) {
            Path out = dir.resolve("local");
            TrainingOptions options = new TrainingOptions(run(64, augmentation, 0.25), out, 2,
                    CheckpointPolicy.defaults(out));
            localResult = new LocalTrainer(backend, lenet, data, options, MecOptions.defaults(), null)
                    .onStep((step, loss, images) -> local.add(loss)).run();
        }
        assertEquals((600 + 63) / 64, local.size(), "600 of 800 images train");
        assertEquals(local.size(), spark2.stepLosses().length);
        for (int i = 0; i < local.size(); i++) {
            double a = spark2.stepLosses()[i];
            double b = local.get(i);
            assertTrue(Math.abs(a - b) <= 1e-3 * Math.abs(b), "step " + (i + 1) + ": spark " + a + " vs local " + b);
        }
        EpochMetrics s = spark2.history().get(0);
        EpochMetrics l = localResult.epochs().get(0);
        assertTrue(s.hasValidation() && l.hasValidation());
        assertEquals(l.validationAccuracy(), s.validationAccuracy(), 1.0 / 200 + 1e-9, "validation accuracy");
        assertEquals(l.validationLoss(), s.validationLoss(), 1e-3 * l.validationLoss(), "validation loss");
        assertEquals(l.testAccuracy(), s.testAccuracy(), 1.0 / TEST + 1e-9, "test accuracy");
        List<String> metrics = Files.readAllLines(dir.resolve("spark/metrics.csv"));
        assertEquals(EpochMetrics.CSV_HEADER, metrics.get(0));
        assertFalse(metrics.get(1).endsWith("NaN,NaN"), metrics.get(1));
    }

    /** Without augmentation the run differs: the equality above is not that of two unaugmented runs. */
    @Test
    void augmentationChangesTheStepsAndTrainsWithoutATestSet(@TempDir Path dir) {
        DistributedResult plain = onSpark(dir.resolve("plain"), Augmentation.NONE, 0.25, 2, null);
        DistributedResult flipped = onSpark(dir.resolve("flip"), new Augmentation(0, true), 0.25, 2, null);
        // Same initial weights and batches; the flipped images give another loss from step 1 on.
        assertFalse(plain.stepLosses()[0] == flipped.stepLosses()[0], "flipped pixels, another loss");
        assertEquals(plain.stepLosses()[0], flipped.stepLosses()[0], 0.1 * plain.stepLosses()[0], "of the same size");
        EpochMetrics m = flipped.history().get(0);
        assertTrue(Double.isNaN(m.testAccuracy()) && m.hasValidation(), m.toString());
    }

    @Test
    void estimatorParamsSetAugmentationAndValidation() {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(300), 2);
        MecClassificationModel model = new MecClassifier().setModelFile(Path.of("../conf/models/lenet.conf"))
                .setEpochs(1).setWorkers(2).setAugmentPadding(2).setAugmentFlip(true).setValidationFraction(0.2)
                .fit(train);
        EpochMetrics m = model.trainingHistory().get(0);
        assertTrue(m.hasValidation(), m.toString());
        assertEquals(0, Math.round(m.validationAccuracy() * 60) - m.validationAccuracy() * 60, 1e-9, "60 held out");
        Row history = model.history(spark).first();
        assertEquals(m.validationAccuracy(), history.<Double>getAs("validation_accuracy"), 0);
        MecClassifier estimator = new MecClassifier();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> estimator.setValidationFraction(0.95));
        assertTrue(e.getMessage().startsWith("invalid value '0.95' for param validationFraction of " + estimator.uid()),
                e.getMessage());
        assertTrue(e.getMessage().contains("spark.mec.train.validationFraction"), e.getMessage());
    }
}
