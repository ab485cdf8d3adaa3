package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.TrainingOptions;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.testing.TestSessions;

/**
 * Batch normalisation under data parallelism on local[2]: each worker normalises with its own 32 images, and the
 * driver adds the image-weighted mean of the workers' running-statistics changes, which is the change one
 * process computes from the 64 images (exactly so where the normalised values do not yet depend on the split:
 * the first batchnorm layer in the first step). Checkpoints carry the running statistics, and a resumed run
 * equals an uninterrupted one bit for bit.
 */
class BatchNormOnSparkTest {
    private static SparkSession spark;
    private static TrainTestSplit data;
    /** conv (stride 2, same) -> batchnorm -> relu -> global average pooling -> dense 10. */
    private static final ModelSpec MODEL = ModelSpec.builder("bn-small").input(28, 28, 1)
            .conv2d("conv", 4, 3, c -> c.stride(2).paddingSame().bias(false)).batchNorm("bn").relu("relu")
            .globalAvgPool("pool").dense("fc", 10)
            .build();

    @BeforeAll
    static void start() throws Exception {
        spark = TestSessions.start("local[2]", Map.of());
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR);
        TrainTestSplit all = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        data = new TrainTestSplit(all.train().subset(320), all.test().subset(100));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SparkTrainingOptions options(int epochs) {
        return new SparkTrainingOptions(epochs, 32, 5, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.CONSTANT, 0.05), 256L << 20, 2, 10, ConvAlgorithmChoice.MEC);
    }

    private static float[] parameter(Path checkpoint, String name) throws Exception {
        return Checkpoint.read(checkpoint).parameters().get(name).values();
    }

    /**
     * One step of 2 workers x 32 images against one process with the 64 images (sharded order, so the same
     * images): the running statistics agree to float rounding ({@code atol 1e-6, rtol 1e-5}) and have moved from
     * their initial 0 and 1.
     */
    @Test
    void theDriversRunningStatisticsAreThoseOfTheGlobalBatch(@TempDir Path dir) throws Exception {
        TrainTestSplit oneStep = new TrainTestSplit(data.train().subset(64), data.test());
        Dataset<Row> train = ImageFrames.of(spark, oneStep.train(), 2);
        new DistributedTrainer(spark, MODEL, options(1), Map.of())
                .fit(train, null, ImageColumns.defaults(), dir.resolve("spark"));
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS, 0))) {
            SparkTrainingOptions o = options(1);
            TrainingOptions opts = new TrainingOptions(1, 64, o.seed(), 0, o.optimizer(), o.schedule(),
                    o.workspaceBudgetBytes(), dir.resolve("local"), false, ConvAlgorithmChoice.MEC, 2);
            new LocalTrainer(backend, MODEL, oneStep, opts, MecOptions.defaults(), null).run();
        }
        for (String name : List.of("bn.running_mean", "bn.running_mean_square")) {
            float[] distributed = parameter(dir.resolve("spark/model.ckpt"), name);
            float[] local = parameter(dir.resolve("local/model.ckpt"), name);
            for (int c = 0; c < local.length; c++) {
                assertTrue(Math.abs(distributed[c] - local[c]) <= 1e-6 + 1e-5 * Math.abs(local[c]),
                        name + "[" + c + "]: spark " + distributed[c] + ", one process " + local[c]);
            }
            float initial = name.endsWith("square") ? 1f : 0f;
            for (float v : distributed) {
                assertTrue(v != initial, name + " did not move from " + initial);
            }
        }
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOneIncludingRunningStatistics(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train(), 2);
        Dataset<Row> test = ImageFrames.of(spark, data.test(), 2);
        new DistributedTrainer(spark, MODEL, options(2), Map.of())
                .fit(train, test, ImageColumns.defaults(), dir.resolve("whole"));
        new DistributedTrainer(spark, MODEL, options(2), Map.of()).stopAfter(1)
                .fit(train, test, ImageColumns.defaults(), dir.resolve("split"));
        new DistributedTrainer(spark, MODEL, options(2).withResume(true), Map.of())
                .fit(train, test, ImageColumns.defaults(), dir.resolve("split"));
        Checkpoint a = Checkpoint.read(dir.resolve("whole/model.ckpt"));
        Checkpoint b = Checkpoint.read(dir.resolve("split/model.ckpt"));
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        assertTrue(a.parameters().containsKey("bn.running_mean_square"), "checkpoints carry the running statistics");
        for (String name : a.parameters().keySet()) {
            assertArrayEquals(a.parameters().get(name).values(), b.parameters().get(name).values(), name);
        }
    }
}
