package org.sparkmec.spark.train;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.data.ShardedEpochOrder;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.CheckpointPolicy;
import org.sparkmec.engine.train.DivergenceCheck;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.GradientAggregation;
import org.sparkmec.engine.train.GradientWireFormat;
import org.sparkmec.engine.train.Networks;
import org.sparkmec.engine.train.ResumePoint;
import org.sparkmec.engine.train.StepListener;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.engine.train.TrainingFiles;
import org.sparkmec.spark.MecSparkPlugin;
import org.sparkmec.spark.PermanentFailureException;
import org.sparkmec.spark.SparkEngineConf;
import org.sparkmec.spark.SparkFailures;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageDataStats;
import org.sparkmec.spark.data.ImageRecord;
import org.sparkmec.spark.data.ShardedImages;
import org.sparkmec.spark.data.ValidationRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Synchronous data-parallel training on Spark, equivalent to the in-process trainer with a global batch of
 * {@code workers x batchSize} and the sharded data order ({@link ShardedEpochOrder}).
 *
 * <p>How it runs: two small jobs check the data and fit the input normalization on the driver (empty data,
 * wrong image sizes and out-of-range labels fail here, before training); one shuffle deals the images out
 * to the workers; then <em>one</em> barrier stage runs a long-lived task per worker ({@link WorkerTask}),
 * which exchanges gradients and weights with the driver's {@link TrainingCoordinator} through the
 * {@link MecSparkPlugin}'s RPC: no Spark job per step. The driver owns weights and optimizer state; if an
 * executor dies, Spark retries the barrier stage (bounded by {@code spark.task.maxFailures} and
 * {@code spark.stage.maxConsecutiveAttempts}) and the new workers resume at the driver's current step.
 *
 * <p>Remainder: the images are dealt round-robin, so shards differ by at most one image; every worker
 * takes {@code ceil(largest shard / batchSize)} steps per epoch and a worker whose shard runs out
 * contributes fewer images to the last step (the step's gradient is the mean over the images it has).
 * Every image is used once per epoch; none is dropped or repeated.
 *
 * <p>Checkpoints and resume: after the epochs {@link SparkTrainingOptions#checkpoints} names, the driver writes
 * its state (weights, optimizer state, step count) to {@code checkpoint.ckpt}, in the same format as the
 * in-process trainer. With {@link SparkTrainingOptions#resume()} a run continues from that checkpoint: it is
 * checked against the model, seed, optimizer and epochs as in process ({@link ResumePoint}) and against this
 * run's steps per epoch, the driver restores weights and optimizer state and the coordinator starts at the
 * checkpoint's step; {@code metrics.csv} keeps the earlier epochs' rows. Workers derive their dropout masks
 * from the step, so a resumed run's remaining epochs equal an uninterrupted run's (bit for bit where every
 * conv layer's algorithm is fixed; {@code auto} lets each worker measure its own choice).
 *
 * <p>Needs {@code spark.plugins=org.sparkmec.spark.MecSparkPlugin}. Call {@link #fit} from one thread.
 */
public final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);

    private final SparkSession spark;
    private final ModelSpec spec;
    private final SparkTrainingOptions options;
    private final Map<String, String> engineSettings;
    private StepListener stepListener;
    private int stopAfter;
    private Duration slotWait = TaskSlots.DEFAULT_WAIT;
    private DivergenceCheck divergence = new DivergenceCheck(TrainConf.MAX_LOSS.parse(null));
    private GradientAggregation aggregation = TrainConf.AGGREGATION.parse(null);
    private GradientWireFormat wireFormat = TrainConf.GRADIENT_WIRE_FORMAT.parse(null);

    /**
     * @param engineSettings {@code spark.mec.*} engine settings for the workers' engines (validated here)
     */
    public DistributedTrainer(SparkSession spark, ModelSpec spec, SparkTrainingOptions options,
                              Map<String, String> engineSettings) {
        this.spark = spark;
        this.spec = spec;
        this.options = options;
        this.engineSettings = EngineConf.engineEntries(engineSettings);
    }

    /**
     * A trainer configured by the session's {@code spark.mec.*} settings.
     *
     * @throws IllegalArgumentException naming an invalid key, its value and what is allowed
     */
    public static DistributedTrainer fromConf(SparkSession spark, ModelSpec spec, ConvAlgorithmChoice algorithmOverride) {
        return fromConf(spark, spec, algorithmOverride, false, List.of());
    }

    /**
     * A trainer configured by the session's {@code spark.mec.*} settings that continues from the checkpoint when
     * {@code resume} is set, for data whose class indices have {@code classNames} (empty: the data names none;
     * {@link SparkTrainingOptions#classNames()}).
     *
     * @throws IllegalArgumentException naming an invalid key, its value and what is allowed
     */
    public static DistributedTrainer fromConf(SparkSession spark, ModelSpec spec, ConvAlgorithmChoice algorithmOverride,
                                              boolean resume, List<String> classNames) {
        SparkConf conf = spark.sparkContext().getConf();
        SparkEngineConf.from(conf, TrainConf.keys());
        Map<String, String> settings = SparkEngineConf.settings(conf);
        TrainConf trainConf = TrainConf.from(settings);
        return new DistributedTrainer(spark, spec, SparkTrainingOptions.from(trainConf, algorithmOverride)
                .withResume(resume).withClassNames(classNames), settings).configuredBy(trainConf);
    }

    /**
     * This trainer with the driver-side settings of {@code conf}: the divergence bound
     * ({@link TrainConf#MAX_LOSS}), the aggregation ({@link TrainConf#AGGREGATION}) and the gradient wire format
     * ({@link TrainConf#GRADIENT_WIRE_FORMAT}).
     */
    public DistributedTrainer configuredBy(TrainConf conf) {
        return maxLoss(conf.get(TrainConf.MAX_LOSS)).aggregation(conf.get(TrainConf.AGGREGATION))
                .gradientWireFormat(conf.get(TrainConf.GRADIENT_WIRE_FORMAT));
    }

    /** The format of the workers' gradient parts ({@link TrainConf#GRADIENT_WIRE_FORMAT}; fp32 unless set). */
    public DistributedTrainer gradientWireFormat(GradientWireFormat format) {
        this.wireFormat = java.util.Objects.requireNonNull(format, "gradientWireFormat");
        return this;
    }

    /**
     * How the driver gets the gradients and returns the weights ({@link TrainConf#AGGREGATION}; {@code auto}
     * unless set): the result is the same either way, the driver's bytes and round trips differ.
     */
    public DistributedTrainer aggregation(GradientAggregation choice) {
        this.aggregation = java.util.Objects.requireNonNull(choice, "aggregation");
        return this;
    }

    /** Calls {@code listener} on the driver after every applied step (on the RPC thread: keep it short). */
    public DistributedTrainer onStep(StepListener listener) {
        this.stepListener = listener;
        return this;
    }

    /**
     * How long {@link #fit} waits on a cluster master for executors with a task slot per worker before failing
     * ({@link TaskSlots#DEFAULT_WAIT} unless set; local masters are checked without waiting).
     */
    public DistributedTrainer slotWait(Duration wait) {
        this.slotWait = wait;
        return this;
    }

    /**
     * Stops the run at the first step whose mean loss is above {@code maxLoss} (0: no bound; a non-finite loss
     * always stops it), detected on the driver before that step's update ({@link TrainConf#MAX_LOSS}).
     */
    public DistributedTrainer maxLoss(double maxLoss) {
        this.divergence = new DivergenceCheck(maxLoss);
        return this;
    }

    public SparkTrainingOptions options() {
        return options;
    }

    /**
     * Trains only up to epoch {@code epoch} and stops as an interrupted run would: the schedule still spans
     * {@code options().epochs()}, checkpoints follow their interval, and no final model is written, so a later
     * run can resume. 0 (the default) trains every epoch.
     */
    public DistributedTrainer stopAfter(int epoch) {
        if (epoch < 0 || epoch > options.epochs()) {
            throw new IllegalArgumentException("stopAfter must be 0 (every epoch) or in [1, " + options.epochs()
                    + "], got " + epoch);
        }
        this.stopAfter = epoch;
        return this;
    }

    /**
     * Trains on the rows of {@code train}, evaluating on {@code test} after each epoch when not null.
     *
     * @param outDir where to write {@code metrics.csv} (every epoch), {@code model.conf} and {@code classes.csv}
     *               (at the start; the latter when the options have class names), {@code layer_memory.csv} and
     *               {@code model.ckpt} (the final model, once every epoch is done);
     *               {@code checkpoint.ckpt} goes where {@link SparkTrainingOptions#checkpoints} says; null to write
     *               nothing (and not to resume)
     * @throws IllegalArgumentException on invalid data (named columns, sizes, labels), or a checkpoint that
     *                                  cannot be resumed (naming the path and the mismatch)
     * @throws IllegalStateException    if the plugin is missing or training failed after Spark's retries
     */
    public DistributedResult fit(Dataset<Row> train, Dataset<Row> test, ImageColumns columns, Path outDir) {
        columns.validate(train.schema(), true);
        if (test != null) {
            columns.validate(test.schema(), true);
        }
        return fit(columns.records(train), test == null ? null : columns.records(test), outDir);
    }

    /** As {@link #fit(Dataset, Dataset, ImageColumns, Path)}, from records in data order. */
    public DistributedResult fit(JavaRDD<ImageRecord> train, JavaRDD<ImageRecord> test, Path outDir) {
        if (!MecSparkPlugin.driverActive()) {
            throw new IllegalStateException("distributed training needs the spark-mec plugin: start the application "
                    + "with spark.plugins=" + MecSparkPlugin.CLASS_NAME);
        }
        int runEpochs = stopAfter > 0 ? stopAfter : options.epochs();
        ResumePoint resumeFrom = options.resume() ? resumePoint(outDir, runEpochs) : null;
        SparkContext sc = spark.sparkContext();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        int workers = options.workers() > 0 ? options.workers() : sc.defaultParallelism();
        try {
            TaskSlots.await(sc, workers, slotWait, workers + " training workers (spark.mec.train.workers)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for executors", e);
        }
        EngineProbe.check(sc, engineSettings, 0, "training " + spec.name());
        String previousDescription = sc.getLocalProperty("spark.job.description");
        JavaRDD<ImageRecord> allTrainRecords = limited(train).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<ImageRecord> testRecords = test == null ? null : test.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            sc.setJobDescription("mec: hold out the validation split (" + spec.name() + ")");
            ValidationRecords sets = ValidationRecords.split(allTrainRecords, options.validationFraction(),
                    options.seed());
            JavaRDD<ImageRecord> trainRecords = sets.train();
            int imageSize = spec.input().height() * spec.input().width() * spec.input().channels();
            String imageText = spec.input().height() + "x" + spec.input().width() + "x" + spec.input().channels();
            sc.setJobDescription("mec: check the training data and fit its normalization (" + spec.name() + ")");
            ImageDataStats stats = ImageDataStats.compute(trainRecords, imageSize, spec.input().channels(), true);
            stats.check("training data", imageSize, imageText, spec.classes(), spec.name());
            if (testRecords != null) {
                sc.setJobDescription("mec: check the test data (" + spec.name() + ")");
                ImageDataStats.compute(testRecords, imageSize, spec.input().channels(), false)
                        .check("test data", imageSize, imageText, spec.classes(), spec.name());
            }
            if (sets.validation() != null) {
                sc.setJobDescription("mec: check the validation data (" + spec.name() + ")");
                ImageDataStats.compute(sets.validation(), imageSize, spec.input().channels(), false)
                        .check("validation data", imageSize, imageText, spec.classes(), spec.name());
            }
            if (stats.count() < workers) {
                throw new IllegalArgumentException("the training data has " + stats.count() + " images, fewer than the "
                        + workers + " workers; use fewer workers (spark.mec.train.workers) or more data");
            }
            ShardedEpochOrder order = new ShardedEpochOrder(Math.toIntExact(stats.count()), workers, options.batchSize(),
                    options.seed());
            if (order.oversizedBatch() != null) {
                LOG.warn("{}", order.oversizedBatch());
            }
            if (resumeFrom != null && resumeFrom.steps() != (long) resumeFrom.epochsCompleted() * order.stepsPerEpoch()) {
                throw new IllegalArgumentException("cannot resume: the checkpoint at " + resumeFrom.file() + " took "
                        + resumeFrom.steps() + " steps in " + resumeFrom.epochsCompleted() + " epochs, this run takes "
                        + order.stepsPerEpoch() + " steps per epoch (" + workers + " workers x " + options.batchSize()
                        + " images per step over " + stats.count() + " images); resume with the earlier run's workers, "
                        + "batch size and data");
            }
            return train(sc, jsc, workers, order, stats, sets, testRecords, outDir, runEpochs, resumeFrom);
        } finally {
            sc.setJobDescription(previousDescription);
            allTrainRecords.unpersist(false);
            if (testRecords != null) {
                testRecords.unpersist(false);
            }
        }
    }

    /** The checkpoint this run continues from, checked before any Spark job runs. */
    private ResumePoint resumePoint(Path outDir, int runEpochs) {
        if (outDir == null) {
            throw new IllegalArgumentException("cannot resume without the output folder of the earlier run");
        }
        ResumePoint point;
        try {
            point = ResumePoint.load(options.checkpoints(outDir), outDir.resolve(TrainingFiles.METRICS),
                    ModelSpecWriter.toHocon(spec), options.run());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resume: " + e.getMessage(), e);
        }
        if (runEpochs <= point.epochsCompleted()) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + point.file() + " has "
                    + point.epochsCompleted() + " epochs, this run stops after epoch " + runEpochs);
        }
        return point;
    }

    private JavaRDD<ImageRecord> limited(JavaRDD<ImageRecord> records) {
        if (options.limit() == 0) {
            return records;
        }
        long limit = options.limit();
        return records.zipWithIndex().filter(t -> t._2() < limit).map(t -> t._1());
    }

    private DistributedResult train(SparkContext sc, JavaSparkContext jsc, int workers, ShardedEpochOrder order,
                                    ImageDataStats stats, ValidationRecords sets,
                                    JavaRDD<ImageRecord> testRecords, Path outDir, int runEpochs,
                                    ResumePoint resumeFrom) {
        String runId = spec.name() + "-" + UUID.randomUUID();
        String modelText = ModelSpecWriter.toHocon(spec);
        List<Double> stepLosses = Collections.synchronizedList(new ArrayList<>());
        try (CpuBackend driverBackend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network network = Networks.build(driverBackend, spec, EngineConf.from(engineSettings).mecOptions(),
                     options.workspaceBudgetBytes(), options.seed(), options.algorithmOverride())) {
            Optimizer optimizer = options.optimizer().create();
            List<EpochMetrics> earlier = resumeFrom == null ? List.of() : resumeFrom.history();
            if (resumeFrom != null) {
                resumeFrom.restore(network, optimizer);
                LOG.info("resuming {} at epoch {} (step {}) from {}", spec.name(), resumeFrom.epochsCompleted() + 1,
                        resumeFrom.steps(), resumeFrom.file());
            }
            List<EpochMetrics> written = new ArrayList<>(earlier);
            CheckpointPolicy checkpoints = outDir == null ? null : options.checkpoints(outDir);
            String jobTag = "mec-train-" + runId;
            EpochFileWriter epochFiles = outDir == null ? null : new EpochFileWriter(outDir,
                    () -> sc.cancelJobsWithTag(jobTag, "spark-mec could not write the epoch files"));
            if (outDir != null) {
                Files.createDirectories(outDir);
                ModelSpecWriter.write(spec, outDir.resolve(TrainingFiles.MODEL_CONF));
                TrainingFiles.writeClasses(outDir, options.classNames());
            }
            TrainingCoordinator coordinator = new TrainingCoordinator(runId, network, optimizer,
                    options.schedule().create(options.epochs()), modelText, options.seed(), options.classNames(),
                    workers, order.stepsPerEpoch(), runEpochs, resumeFrom == null ? 0 : resumeFrom.steps(),
                    testRecords != null || sets.validation() != null,
                    options.logEverySteps(),
                    (step, loss, images) -> {
                        stepLosses.add(loss);
                        if (stepListener != null) {
                            stepListener.step(step, loss, images);
                        }
                    },
                    (metrics, checkpoint) -> {
                        if (epochFiles != null) {
                            written.add(metrics);
                            epochFiles.submit(written, checkpoints.writesAfter(metrics.epoch(), options.epochs())
                                    ? checkpoint : null, checkpoints.file());
                        }
                    });
            LongAccumulator images = sc.longAccumulator("mec.train.images");
            LongAccumulator steps = sc.longAccumulator("mec.train.workerSteps");
            LongAccumulator computeMillis = sc.longAccumulator("mec.train.computeMillis");
            LongAccumulator workspace = sc.longAccumulator("mec.train.workspaceBytes");
            int parameters = ParameterVector.size(network.parameters());
            GradientAggregation resolved = aggregation.resolve(sc.isLocal(), workers, parameters);
            LOG.info("{}: {} aggregation of {} parameters over {} workers ({} set)", runId, resolved.configName(),
                    parameters, workers, aggregation.configName());
            WorkerTask task = new WorkerTask(runId, modelText, engineSettings, options.withEpochs(runEpochs), workers,
                    resolved, wireFormat, order.examples(),
                    testRecords != null, sets.validation() != null, stats.normalization(), images, steps,
                    computeMillis, workspace);

            sc.setJobDescription("mec: deal " + order.examples() + " training images out to " + workers + " workers");
            JavaRDD<ImageRecord> trainShards = ShardedImages.shard(sets.train(), workers);
            JavaRDD<WorkerTask.Shards> shards = trainShards.zipPartitions(shardsOrEmpty(jsc, testRecords, workers),
                    new ZipShards()).zipPartitions(shardsOrEmpty(jsc, sets.validation(), workers),
                    new AddValidationShards());
            Coordinators.register(coordinator);
            coordinator.divergenceCheck(divergence);
            coordinator.onStop(() -> sc.cancelJobsWithTag(jobTag, "spark-mec stopped the run"));
            WorkerReport[] reports;
            long t0 = System.nanoTime();
            sc.addJobTag(jobTag);
            try {
                sc.setJobDescription(String.format("mec: train %s, %d epochs x %d steps, %d workers x %d images",
                        spec.name(), runEpochs, order.stepsPerEpoch(), workers, options.batchSize()));
                LOG.info("training {} on {} workers x {} images per step ({} images, {} steps per epoch, epochs {} to {} "
                                + "of {}), run {}", spec.name(), workers, options.batchSize(), order.examples(),
                        order.stepsPerEpoch(), earlierEpochs(resumeFrom) + 1, runEpochs, options.epochs(), runId);
                reports = runBarrierStage(shards.rdd(), task);
                if (epochFiles != null) {
                    epochFiles.finish();
                }
            } catch (Exception e) {
                // Not only RuntimeException: Spark's job failures (SparkException) are checked exceptions that
                // Scala code throws undeclared.
                if (epochFiles != null && epochFiles.failure() != null) {
                    throw epochFiles.failure();
                }
                if (coordinator.stopReason() != null) {
                    throw new PermanentFailureException("training " + spec.name() + " stopped: "
                            + coordinator.stopReason(), e);
                }
                throw new IllegalStateException("training " + spec.name() + " failed at step " + coordinator.step() + " of "
                        + coordinator.totalSteps() + " after " + coordinator.attempts() + " attempt(s) of the training stage"
                        + " (Spark retries it up to spark.stage.maxConsecutiveAttempts = "
                        + sc.getConf().get("spark.stage.maxConsecutiveAttempts", "4") + " times): "
                        + SparkFailures.reason(e), e);
            } finally {
                sc.removeJobTag(jobTag);
                Coordinators.unregister(runId);
                if (epochFiles != null) {
                    epochFiles.close();
                }
            }
            if (!coordinator.isComplete()) {
                throw new IllegalStateException("the training stage ended at step " + coordinator.step() + " of "
                        + coordinator.totalSteps() + " without completing the run");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<WorkerReport> workerReports = new ArrayList<>(Arrays.asList(reports));
            workerReports.sort((a, b) -> Integer.compare(a.worker(), b.worker()));
            workerReports.forEach(r -> LOG.info("{}", r.describe()));
            List<ExecutorLayerMemory> memory = ExecutorLayerMemory.byExecutor(workerReports);
            LOG.info("trained {} in {} s: {} steps, {} stage attempt(s); {}; accumulators: {} images, {} worker steps",
                    spec.name(), String.format("%.1f", seconds), coordinator.step(), coordinator.attempts(),
                    coordinator.stepTimes(), images.value(), steps.value());
            LOG.info("\n{}", ExecutorLayerMemory.summaryTable(memory));
            Checkpoint model = coordinator.finalModel();
            if (outDir != null) {
                TrainingFiles.writeCsv(outDir.resolve(TrainingFiles.LAYER_MEMORY), ExecutorLayerMemory.CSV_HEADER,
                        memory.stream().map(ExecutorLayerMemory::toCsv).toList());
                if (runEpochs == options.epochs()) {
                    // Last: model.ckpt marks a finished run.
                    model.write(outDir.resolve(TrainingFiles.MODEL_CKPT));
                }
            }
            double[] losses = stepLosses.stream().mapToDouble(Double::doubleValue).toArray();
            List<EpochMetrics> history = new ArrayList<>(earlier);
            history.addAll(coordinator.history());
            return new DistributedResult(spec, model, stats.normalization(), history, losses, memory,
                    workerReports, coordinator.stepTimes(), coordinator.attempts(), coordinator.step());
        } catch (IOException e) {
            throw new UncheckedIOException("writing the training outputs to " + outDir + " failed: " + e.getMessage(), e);
        }
    }

    private static int earlierEpochs(ResumePoint resumeFrom) {
        return resumeFrom == null ? 0 : resumeFrom.epochsCompleted();
    }

    @SuppressWarnings("unchecked")
    private static WorkerReport[] runBarrierStage(RDD<WorkerTask.Shards> shards, WorkerTask task) {
        Function1<scala.collection.Iterator<WorkerTask.Shards>, scala.collection.Iterator<WorkerReport>> body =
                (Function1<scala.collection.Iterator<WorkerTask.Shards>, scala.collection.Iterator<WorkerReport>>
                        & Serializable) it -> CollectionConverters.asScala(
                        List.of(task.run(it.next())).iterator());
        scala.reflect.ClassTag<WorkerReport> tag = ClassTag$.MODULE$.apply(WorkerReport.class);
        RDD<WorkerReport> reports = shards.barrier().mapPartitions(body, false, tag);
        // Spark retries a failed barrier stage only if it is a shuffle map stage (a failed barrier result
        // stage aborts the job), so the reports go through a one-partition shuffle to the driver.
        return JavaRDD.fromRDD(reports, tag).repartition(1).collect().toArray(new WorkerReport[0]);
    }

    /** {@code records} dealt out to {@code workers} partitions, or {@code workers} empty partitions when null. */
    private static JavaRDD<ImageRecord> shardsOrEmpty(JavaSparkContext jsc, JavaRDD<ImageRecord> records, int workers) {
        return records != null ? ShardedImages.shard(records, workers) : jsc.parallelize(List.<ImageRecord>of(), workers);
    }

    /** Adds a worker's validation shard to its training and test shards within its task. */
    private static final class AddValidationShards implements org.apache.spark.api.java.function.FlatMapFunction2<
            Iterator<WorkerTask.Shards>, Iterator<ImageRecord>, WorkerTask.Shards> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<WorkerTask.Shards> call(Iterator<WorkerTask.Shards> shards, Iterator<ImageRecord> validation) {
            WorkerTask.Shards s = shards.next();
            List<ImageRecord> v = new ArrayList<>();
            validation.forEachRemaining(v::add);
            return List.of(new WorkerTask.Shards(s.train(), s.test(), v)).iterator();
        }
    }

    /** Pairs a worker's training and test shards within its task. */
    private static final class ZipShards implements
            org.apache.spark.api.java.function.FlatMapFunction2<Iterator<ImageRecord>, Iterator<ImageRecord>, WorkerTask.Shards> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<WorkerTask.Shards> call(Iterator<ImageRecord> train, Iterator<ImageRecord> test) {
            List<ImageRecord> a = new ArrayList<>();
            train.forEachRemaining(a::add);
            List<ImageRecord> b = new ArrayList<>();
            test.forEachRemaining(b::add);
            return List.of(new WorkerTask.Shards(a, b, List.of())).iterator();
        }
    }
}
