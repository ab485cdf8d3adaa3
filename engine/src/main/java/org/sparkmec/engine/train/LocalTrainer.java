package org.sparkmec.engine.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.EpochBatches;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.data.ShardedEpochOrder;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.optim.LearningRateSchedule;
import org.sparkmec.engine.optim.Optimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process trainer (the reference the Spark trainer must match): mini-batch SGD/Adam over a
 * training set, evaluation on the test set after each epoch, and in {@code outDir}:
 * {@code metrics.csv}, {@code layer_memory.csv}, {@code checkpoint.ckpt} (after every epoch),
 * {@code model.conf} and {@code model.ckpt} (the final weights). All files are written atomically.
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
     */
    public Result runUntil(int stopAfter) throws IOException {
        if (stopAfter < 1 || stopAfter > options.epochs()) {
            throw new IllegalArgumentException("stopAfter must be in [1, " + options.epochs() + "], got " + stopAfter);
        }
        LabeledImages train = options.limit() > 0 ? data.train().subset(options.limit()) : data.train();
        Normalization norm = Normalization.fit(train);
        train = norm.apply(train);
        LabeledImages test = norm.apply(data.test());
        String modelText = ModelSpecWriter.toHocon(spec);
        Path out = options.outDir();
        Files.createDirectories(out);
        try (Network network = Networks.build(backend, spec, mecOptions, options.workspaceBudgetBytes(), options.seed(),
                options.algorithmOverride());
             BatchTensors batches = new BatchTensors(backend, network)) {
            network.measurePeaks(backend.memoryTracker());
            Optimizer optimizer = options.optimizer().create();
            LearningRateSchedule schedule = options.schedule().create(options.epochs());
            int startEpoch = 0;
            long step = 0;
            List<EpochMetrics> history = new ArrayList<>();
            if (options.resume()) {
                Checkpoint ckpt = Checkpoint.read(out.resolve(CHECKPOINT));
                restore(ckpt, modelText, network, optimizer);
                startEpoch = ckpt.epochsCompleted();
                step = ckpt.steps();
                history.addAll(readMetrics(out.resolve(METRICS), startEpoch));
                LOG.info("resuming {} at epoch {} (step {}) from {}", spec.name(), startEpoch + 1, step,
                        out.resolve(CHECKPOINT));
            }
            ModelSpecWriter.write(spec, out.resolve("model.conf"));
            ShardedEpochOrder sharding = new ShardedEpochOrder(train.size(), options.shards(),
                    options.batchSize() / options.shards(), options.seed());
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
                    SoftmaxCrossEntropy.Result r = TrainingSteps.forwardBackward(network, batches, train, order.batch(b));
                    optimizer.step(parameters, schedule.rate(epoch, b, order.batchCount()));
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
                TrainingSteps.Totals eval = TrainingSteps.evaluate(network, batches, test, options.batchSize());
                EpochMetrics m = new EpochMetrics(epoch + 1, step, lossSum / seen, (double) correct / seen,
                        eval.meanLoss(), eval.accuracy(), seen / seconds);
                history.add(m);
                LOG.info(String.format(java.util.Locale.ROOT,
                        "epoch %d/%d: train loss %.4f acc %.2f%%, test loss %.4f acc %.2f%%, %.0f images/s, %.1f s",
                        epoch + 1, options.epochs(), m.trainLoss(), 100 * m.trainAccuracy(), m.testLoss(),
                        100 * m.testAccuracy(), m.imagesPerSecond(), seconds));
                writeMetrics(out.resolve(METRICS), history);
                snapshot(modelText, network, optimizer, epoch + 1, step).write(out.resolve(CHECKPOINT));
                writeLayerMemory(out.resolve(LAYER_MEMORY), LayerMemoryRow.measure(network));
            }
            if (stopAfter == options.epochs()) {
                snapshot(modelText, network, null, options.epochs(), step).write(out.resolve("model.ckpt"));
            }
            return new Result(history, LayerMemoryRow.measure(network));
        }
    }

    private Checkpoint snapshot(String modelText, Network network, Optimizer optimizer, int epochs, long step) {
        Map<String, Long> dropout = new LinkedHashMap<>();
        Map<String, String> algorithms = new LinkedHashMap<>();
        for (Layer layer : network.layers()) {
            if (layer instanceof DropoutLayer d) {
                dropout.put(d.name(), d.passes());
            }
            if (layer instanceof Conv2dLayer c && c.algorithm() != null) {
                algorithms.put(c.name(), c.algorithm().algorithm().configName());
            }
        }
        Map<String, Checkpoint.Tensor> params = new LinkedHashMap<>();
        for (Parameter p : network.parameters()) {
            params.put(p.name(), new Checkpoint.Tensor(p.value().dims(), p.value().toArray()));
        }
        return new Checkpoint(modelText, options.seed(), epochs, step, dropout, algorithms, params,
                optimizer == null ? null : optimizer.state());
    }

    private void restore(Checkpoint ckpt, String modelText, Network network, Optimizer optimizer) {
        if (!ckpt.modelText().equals(modelText)) {
            throw new IllegalArgumentException("cannot resume: the checkpoint in " + options.outDir()
                    + " was written for another model declaration (see its model.conf)");
        }
        if (ckpt.seed() != options.seed()) {
            throw new IllegalArgumentException("cannot resume: the checkpoint was trained with seed " + ckpt.seed()
                    + ", this run has --seed " + options.seed());
        }
        if (ckpt.epochsCompleted() >= options.epochs()) {
            throw new IllegalArgumentException("cannot resume: the checkpoint has already trained " + ckpt.epochsCompleted()
                    + " epochs and --epochs is " + options.epochs() + "; ask for more epochs");
        }
        if (ckpt.optimizer() == null || ckpt.optimizer().kind() != options.optimizer().kind()) {
            throw new IllegalArgumentException("cannot resume: the checkpoint's optimizer is "
                    + (ckpt.optimizer() == null ? "missing" : ckpt.optimizer().kind().configName()) + ", this run uses "
                    + options.optimizer().kind().configName());
        }
        for (Parameter p : network.parameters()) {
            Checkpoint.Tensor t = ckpt.parameters().get(p.name());
            if (t == null || !Arrays.equals(t.dims(), p.value().dims())) {
                throw new IllegalArgumentException("cannot resume: parameter " + p.name() + " is "
                        + (t == null ? "missing" : Arrays.toString(t.dims())) + " in the checkpoint, expected "
                        + Arrays.toString(p.value().dims()));
            }
            p.value().copyFrom(t.values());
        }
        for (Layer layer : network.layers()) {
            if (layer instanceof DropoutLayer d) {
                d.setPasses(ckpt.dropoutPasses().getOrDefault(d.name(), 0L));
            }
            if (layer instanceof Conv2dLayer c && ckpt.convAlgorithms().containsKey(c.name())) {
                c.useAlgorithm(ConvAlgorithm.parse(ckpt.convAlgorithms().get(c.name())));
            }
        }
        optimizer.load(ckpt.optimizer());
    }

    private static void writeMetrics(Path file, List<EpochMetrics> rows) throws IOException {
        TrainingFiles.writeMetrics(file, rows);
    }

    private static void writeLayerMemory(Path file, List<LayerMemoryRow> rows) throws IOException {
        TrainingFiles.writeCsv(file, LayerMemoryRow.CSV_HEADER, rows.stream().map(LayerMemoryRow::toCsv).toList());
    }

    /** The rows of an earlier run's metrics.csv for epochs up to {@code epochs}. */
    private static List<EpochMetrics> readMetrics(Path file, int epochs) throws IOException {
        List<EpochMetrics> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(",");
            if (f.length != 7 || f[0].equals("epoch")) {
                continue;
            }
            EpochMetrics m = new EpochMetrics(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]));
            if (m.epoch() <= epochs) {
                rows.add(m);
            }
        }
        return rows;
    }
}
