package org.sparkmec.engine.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.EpochBatches;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.data.ShardedEpochOrder;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.data.ValidationSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.optim.LearningRateSchedule;
import org.sparkmec.engine.optim.Optimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process trainer (the reference the Spark trainer must match): mini-batch SGD/Adam over a
 * training set (its images augmented as {@link TrainingOptions#augmentation()} says, each by its position in the
 * training set), evaluation on the test set (when the data has one) and on the validation split (when
 * {@link TrainingOptions#validationFraction()} holds one out) after each epoch, and in {@code outDir}:
 * {@code metrics.csv}, {@code layer_memory.csv} (after every epoch), {@code model.conf} and, when the data names
 * its classes ({@link TrainingOptions#classNames()}), {@code classes.csv} (at the start), {@code model.ckpt} (the
 * final weights, once every epoch is done), and {@code checkpoint.ckpt} where and when
 * {@link TrainingOptions#checkpoints()} says; both checkpoints hold the class names. All files are written
 * atomically. A step whose loss is not finite (or above {@link #maxLoss}) stops the run before its update
 * ({@link TrainingDivergedException}); the files of the epochs before stay.
 *
 * <p>Determinism: for a seed, weights, data order and dropout masks are fixed, GEMM work is split the
 * same way every run, and a resumed run restores parameters, optimizer state, dropout positions and the
 * conv algorithms chosen, so its remaining epochs equal those of an uninterrupted run.
 */
public final class LocalTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTrainer.class);
    public static final String CHECKPOINT = TrainingFiles.CHECKPOINT;
    public static final String METRICS = TrainingFiles.METRICS;
    public static final String LAYER_MEMORY = TrainingFiles.LAYER_MEMORY;

    private final Backend backend;
    private final ModelSpec spec;
    private final TrainTestSplit data;
    private final TrainingOptions options;
    private final MecOptions mecOptions;
    private final PrintStream console;
    private StepListener stepListener;
    private DivergenceCheck divergence = new DivergenceCheck(TrainConf.MAX_LOSS.parse(null));

    /**
     * @param console where the progress bar goes (null for none)
     */
    public LocalTrainer(Backend backend, ModelSpec spec, TrainTestSplit data, TrainingOptions options,
                        MecOptions mecOptions, PrintStream console) {
        this.backend = backend;
        this.spec = spec;
        this.data = data;
        this.options = options;
        this.mecOptions = mecOptions;
        this.console = console;
        int[] image = data.train().imageShape();
        if (image[0] != spec.input().height() || image[1] != spec.input().width() || image[2] != spec.input().channels()) {
            throw new IllegalArgumentException("model " + spec.name() + " takes " + spec.input() + " images but the data has "
                    + image[0] + "x" + image[1] + "x" + image[2]);
        }
        if (spec.classes() != data.train().numClasses()) {
            throw new IllegalArgumentException("model " + spec.name() + " has " + spec.classes() + " outputs but the data has "
                    + data.train().numClasses() + " classes");
        }
    }

    /** Calls {@code listener} after every optimizer step (on the training thread); null for none. */
    public LocalTrainer onStep(StepListener listener) {
        this.stepListener = listener;
        return this;
    }

    /**
     * Stops the run with {@link TrainingDivergedException} at the first step whose mean loss is above
     * {@code maxLoss} (0: no bound; a non-finite loss always stops it); {@link TrainConf#MAX_LOSS}'s default
     * unless set.
     */
    public LocalTrainer maxLoss(double maxLoss) {
        this.divergence = new DivergenceCheck(maxLoss);
        return this;
    }

    /** What a run produced. */
    public record Result(List<EpochMetrics> epochs, List<LayerMemoryRow> layerMemory) {
    }

    /** Trains up to {@code options.epochs()} epochs (continuing a checkpoint when resuming). */
    public Result run() throws IOException {
        return runUntil(options.epochs());
    }

    /**
     * Trains up to epoch {@code stopAfter} (at most {@code options.epochs()}) and stops as an interrupted
     * run would: the schedule still spans {@code options.epochs()}, and the checkpoint lets a later run
     * {@code --resume}. The final model is written only when all epochs are done.
     *
     * @throws IllegalArgumentException when resuming: no checkpoint, or one that cannot continue this run
     *                                  ({@link ResumePoint#load}); thrown before anything is written
     */
    public Result runUntil(int stopAfter) throws IOException {
        if (stopAfter < 1 || stopAfter > options.epochs()) {
            throw new IllegalArgumentException("stopAfter must be in [1, " + options.epochs() + "], got " + stopAfter);
        }
        LabeledImages train = options.limit() > 0 ? data.train().subset(options.limit()) : data.train();
        LabeledImages validation = null;
        if (options.validationFraction() > 0) {
            ValidationSplit split = ValidationSplit.of(train.size(), options.validationFraction(), options.seed());
            validation = split.heldOut(train);
            train = split.training(train);
        }
        Normalization norm = Normalization.fit(train);
        train = norm.apply(train);
        LabeledImages test = data.hasTest() ? norm.apply(data.test()) : null;
        validation = validation == null ? null : norm.apply(validation);
        String modelText = ModelSpecWriter.toHocon(spec);
        Path out = options.outDir();
        CheckpointPolicy checkpoints = options.checkpoints();
        ResumePoint resumeFrom = options.resume() ? ResumePoint.load(checkpoints, out.resolve(METRICS), modelText,
                options.run()) : null;
        if (resumeFrom != null && stopAfter <= resumeFrom.epochsCompleted()) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + resumeFrom.file() + " has "
                    + resumeFrom.epochsCompleted() + " epochs, this run stops after epoch " + stopAfter);
        }
        Files.createDirectories(out);
        try (Network network = Networks.build(backend, spec, mecOptions, options.workspaceBudgetBytes(), options.seed(),
                options.algorithmOverride());
             BatchTensors batches = new BatchTensors(backend, network)) {
            network.measurePeaks(backend.memoryTracker());
            Optimizer optimizer = options.optimizer().create();
            try {
                LearningRateSchedule schedule = options.schedule().create(options.epochs());
                int startEpoch = 0;
                long step = 0;
                List<EpochMetrics> history = new ArrayList<>();
                if (resumeFrom != null) {
                    resumeFrom.restore(network, optimizer);
                    startEpoch = resumeFrom.epochsCompleted();
                    step = resumeFrom.steps();
                    history.addAll(resumeFrom.history());
                    LOG.info("resuming {} at epoch {} (step {}) from {}", spec.name(), startEpoch + 1, step,
                            resumeFrom.file());
                }
                ModelSpecWriter.write(spec, out.resolve(TrainingFiles.MODEL_CONF));
                TrainingFiles.writeClasses(out, options.classNames());
                ShardedEpochOrder sharding = new ShardedEpochOrder(train.size(), options.shards(),
                        options.batchSize() / options.shards(), options.seed());
                if (sharding.oversizedBatch() != null) {
                    LOG.warn("{}", sharding.oversizedBatch());
                }
                List<Parameter> parameters = network.parameters();
                for (int epoch = startEpoch; epoch < stopAfter; epoch++) {
                    EpochBatches order = sharding.globalBatches(epoch);
                    ProgressBar bar = console == null ? null : new ProgressBar(console, System.console() != null,
                            String.format("epoch %d/%d", epoch + 1, options.epochs()), order.batchCount());
                    double lossSum = 0;
                    long correct = 0;
                    long seen = 0;
                    long t0 = System.nanoTime();
                    for (int b = 0; b < order.batchCount(); b++) {
                        int[] idx = order.batch(b);
                        SoftmaxCrossEntropy.Result r = TrainingSteps.forwardBackward(network, batches,
                                batches.loadAugmented(train, idx, options.augmentation(), options.seed(), epoch, idx));
                        double rate = schedule.rate(epoch, b, order.batchCount());
                        divergence.checkLoss(r.loss(), epoch, b, order.batchCount(), rate);
                        optimizer.step(backend, parameters, rate);
                        step++;
                        if (stepListener != null) {
                            stepListener.step(step, r.loss(), r.count());
                        }
                        lossSum += r.loss() * r.count();
                        correct += r.correct();
                        seen += r.count();
                        if (bar != null) {
                            bar.update(b + 1, lossSum / seen, (double) correct / seen, seen / ((System.nanoTime() - t0) / 1e9));
                        }
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    TrainingSteps.Totals eval = evaluate(network, batches, test);
                    TrainingSteps.Totals held = evaluate(network, batches, validation);
                    EpochMetrics m = new EpochMetrics(epoch + 1, step, lossSum / seen, (double) correct / seen,
                            eval.meanLoss(), eval.accuracy(), seen / seconds, held.meanLoss(), held.accuracy());
                    history.add(m);
                    LOG.info(String.format(java.util.Locale.ROOT,
                            "epoch %d/%d: train loss %.4f acc %.2f%%, validation loss %.4f acc %.2f%%, test loss %.4f acc "
                                    + "%.2f%%, %.0f images/s, %.1f s",
                            epoch + 1, options.epochs(), m.trainLoss(), 100 * m.trainAccuracy(), m.validationLoss(),
                            100 * m.validationAccuracy(), m.testLoss(), 100 * m.testAccuracy(), m.imagesPerSecond(), seconds));
                    // metrics.csv first: a run stopped between the two resumes from the earlier checkpoint and
                    // recomputes this epoch's row, never lacks it.
                    writeMetrics(out.resolve(METRICS), history);
                    if (checkpoints.writesAfter(epoch + 1, options.epochs())) {
                        snapshot(modelText, network, optimizer, epoch + 1, step).write(checkpoints.file());
                    }
                    writeLayerMemory(out.resolve(LAYER_MEMORY), LayerMemoryRow.measure(network));
                }
                if (stopAfter == options.epochs()) {
                    snapshot(modelText, network, null, options.epochs(), step).write(out.resolve(TrainingFiles.MODEL_CKPT));
                }
                return new Result(history, LayerMemoryRow.measure(network));
            } finally {
                optimizer.releaseDeviceState();
            }
        }
    }

    /** The totals over {@code set}, or no images (NaN means) when the run has no such set. */
    private TrainingSteps.Totals evaluate(Network network, BatchTensors batches, LabeledImages set) {
        return set == null ? new TrainingSteps.Totals(0, 0, 0) : TrainingSteps.evaluate(network, batches, set,
                options.batchSize());
    }

    private Checkpoint snapshot(String modelText, Network network, Optimizer optimizer, int epochs, long step) {
        return Checkpoint.capture(modelText, options.seed(), epochs, step, network, true,
                optimizer == null ? null : optimizer.state(), options.classNames());
    }

    private static void writeMetrics(Path file, List<EpochMetrics> rows) throws IOException {
        TrainingFiles.writeMetrics(file, rows);
    }

    private static void writeLayerMemory(Path file, List<LayerMemoryRow> rows) throws IOException {
        TrainingFiles.writeCsv(file, LayerMemoryRow.CSV_HEADER, rows.stream().map(LayerMemoryRow::toCsv).toList());
    }
}
