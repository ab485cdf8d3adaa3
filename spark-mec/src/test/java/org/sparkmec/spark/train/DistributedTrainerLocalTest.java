package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.GradientAggregation;
import org.sparkmec.engine.train.GradientWireFormat;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.TrainingOptions;
import org.sparkmec.spark.PermanentFailureException;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.testing.FashionMnistSubsets;
import org.sparkmec.spark.testing.TestSessions;

/** The Spark trainer on local[2] against the in-process trainer, its outputs, and its resume. */
@Timeout(300)
class DistributedTrainerLocalTest {
    private static final int TRAIN = 1500;
    private static final int TEST = 500;
    private static final int LENET_PARAMETERS = 61_706;
    private static SparkSession spark;
    private static TrainTestSplit data;
    private static ModelSpec lenet;

    @BeforeAll
    static void start() throws Exception {
        spark = TestSessions.start("local[2]", Map.of());
        data = FashionMnistSubsets.first(TRAIN, TEST);
        lenet = FashionMnistSubsets.lenet();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SparkTrainingOptions options(int epochs, int workers) {
        return options(epochs, workers, 7);
    }

    private static SparkTrainingOptions options(int epochs, int workers, long seed) {
        return new SparkTrainingOptions(epochs, 32, seed, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.02), 256L << 20, workers, 10, ConvAlgorithmChoice.MEC);
    }

    /**
     * Same seed, same data order (the sharded order with 2 shards): the Spark run's step losses equal the
     * in-process trainer's with batch 64. Tolerance: relative 1e-3 over the first 20 steps; the runs differ
     * only in float summation order (each worker sums its 32 images, the driver adds the two parts).
     */
    @Test
    void firstStepsMatchTheInProcessTrainerWithTheGlobalBatch(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train(), 3);
        Dataset<Row> test = ImageFrames.of(spark, data.test(), 2);
        DistributedResult spark2 = new DistributedTrainer(spark, lenet, options(1, 2), Map.of())
                .fit(train, test, ImageColumns.defaults(), dir.resolve("spark"));

        List<Double> local = new ArrayList<>();
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS, 0))) {
            SparkTrainingOptions o = options(1, 2);
            TrainingOptions opts = new TrainingOptions(1, 64, o.seed(), 0, o.optimizer(), o.schedule(),
                    o.workspaceBudgetBytes(), dir.resolve("local"), false, ConvAlgorithmChoice.MEC, 2);
            new LocalTrainer(backend, lenet, data, opts, MecOptions.defaults(), null)
                    .onStep((step, loss, images) -> local.add(loss)).run();
        }
        assertEquals(local.size(), spark2.stepLosses().length, "steps per epoch");
        assertEquals((TRAIN + 63) / 64, local.size());
        for (int i = 0; i < 20; i++) {
            double a = spark2.stepLosses()[i];
            double b = local.get(i);
            assertTrue(Math.abs(a - b) <= 1e-3 * Math.abs(b), "step " + (i + 1) + ": spark " + a + " vs local " + b);
        }
        assertEquals(1, spark2.attempts());
        assertEquals(local.size(), spark2.steps());
        assertEquals(1, spark2.history().size());
        for (String f : List.of("metrics.csv", "layer_memory.csv", "checkpoint.ckpt", "model.conf", "model.ckpt")) {
            assertTrue(Files.isRegularFile(dir.resolve("spark").resolve(f)), f);
        }
        List<String> memory = Files.readAllLines(dir.resolve("spark/layer_memory.csv"));
        assertEquals(ExecutorLayerMemory.CSV_HEADER, memory.get(0));
        assertEquals(1 + lenet.layers().size(), memory.size(), "one executor (the driver) x every layer");
        assertEquals(lenet.layers().size() * 1L, spark2.layerMemoryFrame(spark).count());
    }

    /** Images for the resume tests: 2 workers x 32 images per step take 5 steps per epoch. */
    private static final int RESUME_TRAIN = 320;

    /**
     * 2 epochs straight against epoch 1 (stopped as if interrupted, checkpoint in a folder of its own) resumed to
     * 2: the final weights, the step count, the step losses and epoch 2's metrics are equal bit for bit, and so are
     * the metrics.csv rows (their first six columns: images/s is a measurement); the resumed result's epoch 1 comes
     * back from metrics.csv (6 decimals, so to 1e-6 absolute).
     */
    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        Dataset<Row> test = ImageFrames.of(spark, data.test().subset(100), 2);
        Path whole = dir.resolve("whole");
        DistributedResult straight = new DistributedTrainer(spark, lenet, options(2, 2), Map.of())
                .fit(train, test, ImageColumns.defaults(), whole);

        Path split = dir.resolve("split");
        SparkTrainingOptions ownFolder = options(2, 2).withCheckpoints("ckpt", 1);
        new DistributedTrainer(spark, lenet, ownFolder, Map.of()).stopAfter(1)
                .fit(train, test, ImageColumns.defaults(), split);
        assertTrue(Files.notExists(split.resolve("model.ckpt")), "an interrupted run writes no final model");
        assertTrue(Files.notExists(split.resolve("checkpoint.ckpt")), "the checkpoint goes to its own folder");
        assertEquals(1, Checkpoint.read(split.resolve("ckpt/checkpoint.ckpt")).epochsCompleted());
        DistributedResult resumed = new DistributedTrainer(spark, lenet, ownFolder.withResume(true), Map.of())
                .fit(train, test, ImageColumns.defaults(), split);

        Checkpoint a = Checkpoint.read(whole.resolve("model.ckpt"));
        Checkpoint b = Checkpoint.read(split.resolve("model.ckpt"));
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        for (String name : a.parameters().keySet()) {
            assertArrayEquals(a.parameters().get(name).values(), b.parameters().get(name).values(), name);
        }
        assertEquals(10, a.steps());
        assertEquals(a.steps(), b.steps());
        assertEquals(straight.steps(), resumed.steps());
        assertArrayEquals(Arrays.copyOfRange(straight.stepLosses(), 5, 10), resumed.stepLosses(), "epoch 2's step losses");
        assertEquals(2, resumed.history().size(), "the earlier epoch's row and the resumed one");
        EpochMetrics s1 = straight.history().get(0);
        EpochMetrics r1 = resumed.history().get(0);
        assertEquals(s1.step(), r1.step());
        assertEquals(s1.trainLoss(), r1.trainLoss(), 1e-6);
        assertEquals(s1.testAccuracy(), r1.testAccuracy(), 1e-6);
        EpochMetrics s2 = straight.history().get(1);
        EpochMetrics r2 = resumed.history().get(1);
        assertEquals(List.of(s2.step(), s2.trainLoss(), s2.trainAccuracy(), s2.testLoss(), s2.testAccuracy()),
                List.of(r2.step(), r2.trainLoss(), r2.trainAccuracy(), r2.testLoss(), r2.testAccuracy()), "epoch 2");
        List<String> straightCsv = Files.readAllLines(whole.resolve("metrics.csv"));
        List<String> resumedCsv = Files.readAllLines(split.resolve("metrics.csv"));
        assertEquals(3, resumedCsv.size(), "header and both epochs: " + resumedCsv);
        for (int i = 1; i < 3; i++) {
            assertEquals(withoutThroughput(straightCsv.get(i)), withoutThroughput(resumedCsv.get(i)), "metrics.csv row " + i);
        }
        assertEquals(2, Checkpoint.read(split.resolve("ckpt/checkpoint.ckpt")).epochsCompleted());
    }

    /** The row without its images_per_s column (a measurement). */
    private static String withoutThroughput(String metricsRow) {
        List<String> cells = new ArrayList<>(Arrays.asList(metricsRow.split(",")));
        cells.remove(Arrays.asList(EpochMetrics.CSV_HEADER.split(",")).indexOf("images_per_s"));
        return String.join(",", cells);
    }

    /** Each refusal names the checkpoint and the values at odds, and changes nothing. */
    @Test
    void resumeRefusesWhatCannotContinue(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        Path out = dir.resolve("one");
        new DistributedTrainer(spark, lenet, options(1, 2).withCheckpoints(".", 0), Map.of())
                .fit(train, null, ImageColumns.defaults(), out);
        Path file = out.resolve("checkpoint.ckpt");
        byte[] checkpoint = Files.readAllBytes(file);
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));

        String done = resumeRefusal(options(1, 2), train, out);
        assertTrue(done.contains("checkpoint at " + file + " has already trained 1 epochs and --epochs is 1"), done);
        String seed = resumeRefusal(options(2, 2, 8), train, out);
        assertTrue(seed.contains("trained with seed 7, this run has --seed 8"), seed);
        String steps = resumeRefusal(options(2, 1), train, out);
        assertTrue(steps.contains("took 5 steps in 1 epochs, this run takes 10 steps per epoch (1 workers x 32 images "
                + "per step over 320 images)"), steps);
        Path empty = dir.resolve("empty");
        String none = resumeRefusal(options(2, 2), train, empty);
        assertTrue(none.contains("no checkpoint at " + empty.resolve("checkpoint.ckpt")), none);

        assertArrayEquals(checkpoint, Files.readAllBytes(file));
        assertEquals(metrics, Files.readAllLines(out.resolve("metrics.csv")));
        assertTrue(Files.notExists(empty), "a refused resume creates no folder");
    }

    private static String resumeRefusal(SparkTrainingOptions options, Dataset<Row> train, Path out) {
        return assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer(spark, lenet,
                options.withResume(true), Map.of()).fit(train, null, ImageColumns.defaults(), out)).getMessage();
    }

    @Test
    void unevenShardsUseEveryImageOncePerEpoch() {
        LabeledImages odd = data.train().subset(101);
        Dataset<Row> train = ImageFrames.of(spark, odd, 4);
        DistributedResult r = new DistributedTrainer(spark, lenet, options(2, 2), Map.of())
                .fit(train, null, ImageColumns.defaults(), null);
        long images = r.workers().stream().mapToLong(WorkerReport::images).sum();
        assertEquals(2 * 101, images, "each of the 101 images once per epoch");
        assertEquals(2 * 2, r.steps(), "ceil(51 / 32) = 2 steps per epoch");
        r.workers().forEach(w -> assertEquals(4, w.steps(), "every worker takes every step"));
        assertTrue(Double.isNaN(r.history().get(0).testLoss()), "no test set: NaN test columns");
    }

    /**
     * The sliced aggregation (gradient slices reduced by the workers through the block manager, each slice's
     * weights from the driver, the others fetched from their owners) gives the driver aggregation's weights and
     * losses bit for bit: the owners add the parts in the driver's order; with float32 and with bfloat16 gradient
     * parts. bfloat16 parts (relative error at most 2^-8 each) move the step losses by less than 1% relative over
     * these 4 steps. Uneven shards (51 and 50 images).
     */
    @Test
    void slicedAggregationEqualsDriverAggregationBitForBit(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(101), 2);
        Map<GradientWireFormat, double[]> losses = new java.util.EnumMap<>(GradientWireFormat.class);
        for (GradientWireFormat wire : GradientWireFormat.values()) {
            Path driverOut = dir.resolve("driver-" + wire.configName());
            Path slicedOut = dir.resolve("sliced-" + wire.configName());
            DistributedResult driver = new DistributedTrainer(spark, lenet, options(2, 2), Map.of())
                    .aggregation(GradientAggregation.DRIVER).gradientWireFormat(wire)
                    .fit(train, null, ImageColumns.defaults(), driverOut);
            DistributedResult sliced = new DistributedTrainer(spark, lenet, options(2, 2), Map.of())
                    .aggregation(GradientAggregation.SLICES).gradientWireFormat(wire)
                    .fit(train, null, ImageColumns.defaults(), slicedOut);
            assertEquals(4, sliced.steps());
            assertArrayEquals(driver.stepLosses(), sliced.stepLosses(), wire + ": step losses");
            Checkpoint a = Checkpoint.read(driverOut.resolve("model.ckpt"));
            Checkpoint b = Checkpoint.read(slicedOut.resolve("model.ckpt"));
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).values(), b.parameters().get(name).values(), wire + ": " + name);
            }
            int bytesPerValue = wire == GradientWireFormat.BF16 ? 2 : 4;
            assertEquals(2.0 * bytesPerValue * LENET_PARAMETERS, driver.stepTimes().bytesIn(), "one part per worker");
            assertEquals(4.0 * LENET_PARAMETERS, sliced.stepTimes().bytesIn(), "one float32 sum per parameter");
            losses.put(wire, driver.stepLosses());
        }
        double[] fp32 = losses.get(GradientWireFormat.FP32);
        double[] bf16 = losses.get(GradientWireFormat.BF16);
        assertEquals(fp32[0], bf16[0], "the first step's loss comes before any gradient");
        assertTrue(!Arrays.equals(fp32, bf16), "bfloat16 parts change the later steps");
        for (int i = 0; i < fp32.length; i++) {
            assertEquals(fp32[i], bf16[i], 1e-2 * Math.abs(fp32[i]), "step " + (i + 1));
        }
    }

    /**
     * The epoch files are written off the driver's RPC threads while the workers go on; a checkpoint that cannot be
     * written (its folder's parent is a file) stops the run and fit names the output folder and the cause.
     */
    @Test
    void aCheckpointThatCannotBeWrittenStopsTheRun(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("blocker"), "a file where the checkpoint folder's parent should be");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new DistributedTrainer(spark, lenet,
                options(3, 2).withCheckpoints("blocker/ckpt", 1), Map.of()).fit(train, null, ImageColumns.defaults(), out));
        assertTrue(e.getMessage().startsWith("writing the epoch outputs to " + out + " failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("blocker"), e.getMessage());
        assertTrue(Files.notExists(out.resolve("model.ckpt")), "no final model");
        assertTrue(Files.isRegularFile(out.resolve("metrics.csv")), "the epoch's metrics row was written first");
    }

    private static String rejection(Dataset<Row> train) {
        return assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer(spark, lenet, options(1, 2), Map.of())
                .fit(train, null, ImageColumns.defaults(), null)).getMessage();
    }

    private static Dataset<Row> frame(StructType schema, List<Row> rows) {
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void badInputFailsOnTheDriverBeforeTraining() {
        StructType binary = new StructType().add("label", DataTypes.IntegerType).add("image", DataTypes.BinaryType);
        String empty = rejection(frame(binary, List.of()));
        assertTrue(empty.contains("empty"), empty);

        String size = rejection(frame(binary, List.of(RowFactory.create(1, new byte[784]), RowFactory.create(2, new byte[100]))));
        assertTrue(size.contains("100 values") && size.contains("28x28x1") && size.contains("784"), size);

        String label = rejection(frame(binary, List.of(RowFactory.create(10, new byte[784]), RowFactory.create(-1, new byte[784]))));
        assertTrue(label.contains("-1 to 10") && label.contains("[0, 10)"), label);

        String column = rejection(frame(new StructType().add("label", DataTypes.IntegerType).add("pixels", DataTypes.BinaryType),
                List.of(RowFactory.create(1, new byte[784]))));
        assertTrue(column.contains("'image'") && column.contains("pixels"), column);

        String type = rejection(frame(new StructType().add("label", DataTypes.StringType).add("image", DataTypes.BinaryType),
                List.of(RowFactory.create("x", new byte[784]))));
        assertTrue(type.contains("'label'") && type.contains("string"), type);

        String few = rejection(frame(binary, List.of(RowFactory.create(1, new byte[784]))));
        assertTrue(few.contains("1 images, fewer than the 2 workers"), few);
    }

    @Test
    void invalidSettingsNameTheKey() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> new DistributedTrainer(spark, lenet, options(1, 2), Map.of("spark.mec.backend", "gpu"))).getMessage();
        assertTrue(m.contains("spark.mec.backend") && m.contains("gpu"), m);
    }

    /**
     * A backend that cannot be used (cuda on a GPU number no machine has) fails in the engine probe, before the
     * barrier stage, in one line naming the executor; the run starts no training stage and writes nothing.
     */
    @Test
    void anUnusableBackendFailsOnceBeforeTheBarrierStage(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        StageAttempts stages = StageAttempts.watch(spark);
        PermanentFailureException e = assertThrows(PermanentFailureException.class, () -> new DistributedTrainer(spark,
                lenet, options(1, 2), Map.of("spark.mec.backend", "cuda", "spark.mec.cuda.device", "99"))
                .fit(train, null, ImageColumns.defaults(), dir.resolve("out")));
        assertTrue(e.getMessage().startsWith("training lenet cannot start: on executor driver (127.0.0.1): "
                + "spark.mec.backend=cuda was requested but GPU 99"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertEquals(0, stages.trainingJobsWithoutRetries(), "no training stage started");
        assertTrue(Files.notExists(dir.resolve("out")));
    }

    /** More workers than task slots fail at once (Spark would retry the barrier stage for about 10 minutes). */
    @Test
    void moreWorkersThanTaskSlotsFailAtOnce() {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        PermanentFailureException e = assertThrows(PermanentFailureException.class, () -> new DistributedTrainer(spark,
                lenet, options(1, 64), Map.of()).fit(train, null, ImageColumns.defaults(), null));
        assertEquals("64 training workers (spark.mec.train.workers) need 64 task slots at once (one barrier task each), "
                + "but local[2] has 2 (executor cores / spark.task.cpus = 1); use at most 2 or add executors", e.getMessage());
    }

    /**
     * A loss above the bound stops the run on the driver at that step, in one stage attempt (no retry), before its
     * update: the run resumed from epoch 1 with a bound below any loss stops at epoch 2's first step, and the
     * epoch-1 checkpoint stays as it was, with no final model.
     */
    @Test
    void aDivergedRunStopsAtItsStepAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        Dataset<Row> train = ImageFrames.of(spark, data.train().subset(RESUME_TRAIN), 2);
        Path out = dir.resolve("out");
        new DistributedTrainer(spark, lenet, options(2, 2), Map.of()).stopAfter(1)
                .fit(train, null, ImageColumns.defaults(), out);
        byte[] checkpoint = Files.readAllBytes(out.resolve("checkpoint.ckpt"));
        StageAttempts stages = StageAttempts.watch(spark);
        PermanentFailureException e = assertThrows(PermanentFailureException.class, () -> new DistributedTrainer(spark,
                lenet, options(2, 2).withResume(true), Map.of()).maxLoss(0.01)
                .fit(train, null, ImageColumns.defaults(), out));
        assertTrue(e.getMessage().matches("training lenet stopped: training diverged at epoch 2 step 1 of 5: the loss is "
                + "[0-9.e+-]+, above spark.mec.train.maxLoss = 0.01 at learning rate 0.0[0-9]+; no update of that step "
                + "was applied, lower the learning rate \\(--lr\\)"), e.getMessage());
        assertEquals(1, stages.trainingJobsWithoutRetries(), "one attempt of the training stage, not retried");
        assertArrayEquals(checkpoint, Files.readAllBytes(out.resolve("checkpoint.ckpt")));
        assertTrue(Files.notExists(out.resolve("model.ckpt")));
    }

    /**
     * The normalization's statistics are merged in partition order, not in the order tasks finish: the standard
     * deviation equals the sum of the partitions' squared deviations taken in partition order, bit for bit.
     */
    @Test
    void dataStatisticsAreMergedInPartitionOrder() {
        LabeledImages images = data.train().subset(301);
        org.apache.spark.api.java.JavaRDD<org.sparkmec.spark.data.ImageRecord> records =
                ImageColumns.defaults().records(ImageFrames.of(spark, images, 3));
        org.sparkmec.spark.data.ImageDataStats stats = org.sparkmec.spark.data.ImageDataStats.compute(records, 784, 1, true);
        double mean = stats.normalization().mean()[0];
        List<Double> parts = records.mapPartitions(it -> {
            double part = 0;
            while (it.hasNext()) {
                org.sparkmec.spark.data.ImageRecord r = it.next();
                for (int i = 0; i < 784; i++) {
                    double d = r.value(i) - mean;
                    part += d * d;
                }
            }
            return List.of(part).iterator();
        }).collect();
        assertEquals(3, parts.size());
        double squares = 0;
        for (double part : parts) {
            squares += part;
        }
        assertEquals(Math.sqrt(squares / (301L * 784)), stats.normalization().std()[0]);
    }

    /** Counts the training jobs and the stage retries after {@link #watch}. */
    private static final class StageAttempts extends org.apache.spark.scheduler.SparkListener {
        private final java.util.concurrent.atomic.AtomicInteger trainingJobs = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();

        static StageAttempts watch(SparkSession session) {
            StageAttempts listener = new StageAttempts();
            session.sparkContext().addSparkListener(listener);
            return listener;
        }

        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
            String description = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
            if (description != null && description.startsWith("mec: train ")) {
                trainingJobs.incrementAndGet();
            }
        }

        @Override
        public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
            if (submitted.stageInfo().attemptNumber() > 0) {
                retries.incrementAndGet();
            }
        }

        /** The training jobs started, after checking that no stage was retried. */
        int trainingJobsWithoutRetries() throws Exception {
            spark.sparkContext().listenerBus().waitUntilEmpty();
            spark.sparkContext().removeSparkListener(this);
            assertEquals(0, retries.get(), "stage retries");
            return trainingJobs.get();
        }
    }
}
