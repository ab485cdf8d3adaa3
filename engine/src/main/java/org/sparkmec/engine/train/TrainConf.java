package org.sparkmec.engine.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.data.Augmentation;
import org.sparkmec.engine.data.ValidationSplit;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.runtime.EngineConf;

/**
 * The training settings ({@code spark.mec.train.*} and the conv workspace budget), each defined once
 * with doc, default and validation, read from the same key/value maps as {@link EngineConf}.
 */
public final class TrainConf {

    public static final ConfigEntry<Integer> EPOCHS = ConfigEntry.intAtLeast("spark.mec.train.epochs",
            "Epochs to train.", 10, 1);
    public static final ConfigEntry<Integer> BATCH_SIZE = ConfigEntry.intAtLeast("spark.mec.train.batchSize",
            "Images per mini-batch (per worker on Spark); the last batch of an epoch may be smaller.", 32, 1);
    public static final ConfigEntry<Integer> SEED = ConfigEntry.intAtLeast("spark.mec.train.seed",
            "Seed of the weights, the data order and the dropout masks.", 1, 0);
    public static final ConfigEntry<Integer> LIMIT = ConfigEntry.intAtLeast("spark.mec.train.limit",
            "Use only the first N training images; 0 for all.", 0, 0);
    public static final ConfigEntry<OptimizerKind> OPTIMIZER = ConfigEntry.ofEnum("spark.mec.train.optimizer",
            "Optimizer: sgd (with momentum, Nesterov, weight decay) or adam.", OptimizerKind.SGD, OptimizerKind.class);
    public static final ConfigEntry<Double> LEARNING_RATE = ConfigEntry.doubleBetween("spark.mec.train.learningRate",
            "Base learning rate; 0 means the optimizer's default (sgd 0.01, adam 0.001).", 0.0, 0.0, 10.0);
    public static final ConfigEntry<Double> MOMENTUM = ConfigEntry.doubleBetween("spark.mec.train.momentum",
            "SGD momentum in [0, 1).", 0.9, 0.0, 0.999);
    public static final ConfigEntry<Boolean> NESTEROV = ConfigEntry.bool("spark.mec.train.nesterov",
            "SGD with Nesterov momentum.", false);
    public static final ConfigEntry<Double> WEIGHT_DECAY = ConfigEntry.doubleBetween("spark.mec.train.weightDecay",
            "L2 weight decay added to the gradients (5e-4 took LeNet past 90% on Fashion-MNIST; docs/results.md).", 5e-4, 0.0, 1.0);
    public static final ConfigEntry<ScheduleKind> SCHEDULE = ConfigEntry.ofEnum("spark.mec.train.schedule",
            "Learning-rate schedule over the epochs: constant, step (x0.1 every 30 epochs) or cosine.",
            ScheduleKind.COSINE, ScheduleKind.class);
    public static final ConfigEntry<Integer> WORKERS = ConfigEntry.intBetween("spark.mec.train.workers",
            "Data-parallel workers on Spark (one long-running task each); 0 means the application's default "
                    + "parallelism (its total executor cores). The global batch is workers x batchSize.", 0, 0, 4096);
    public static final ConfigEntry<GradientAggregation> AGGREGATION = ConfigEntry.ofEnum("spark.mec.train.aggregation",
            "On Spark, how the driver gets each step's gradient and returns the weights: driver (every worker's whole "
                    + "gradient in, the whole weights out to each: W x 4P bytes each way per step), slices (the workers "
                    + "reduce the gradient in slices peer to peer through the block manager: 4P bytes each way, whatever "
                    + "W; more round trips) or auto (slices on a cluster with 2 or more workers from 1,048,576 "
                    + "parameters, else driver). Both give the same weights bit for bit.",
            GradientAggregation.AUTO, GradientAggregation.class);
    public static final ConfigEntry<GradientWireFormat> GRADIENT_WIRE_FORMAT = ConfigEntry.ofEnum(
            "spark.mec.train.gradientWireFormat",
            "On Spark, the format of the gradient parts the workers send: fp32, or bf16 (half the bytes; each worker "
                    + "rounds its part to bfloat16, relative error at most 2^-8 per element; weights and the driver's "
                    + "sums and optimizer stay float32).",
            GradientWireFormat.FP32, GradientWireFormat.class);
    public static final ConfigEntry<Integer> LOG_EVERY_STEPS = ConfigEntry.intAtLeast("spark.mec.train.logEverySteps",
            "On Spark, the driver logs step, loss, images/s and the phase times every this many steps.", 100, 1);
    public static final ConfigEntry<String> CHECKPOINT_DIR = ConfigEntry.of("spark.mec.train.checkpointDir",
            "Folder of checkpoint.ckpt, which --resume continues from; a relative path is taken inside the output "
                    + "folder (the default . is the output folder itself).", ".",
            "a folder path; relative to the output folder", TrainConf::folderPath);
    public static final ConfigEntry<Integer> CHECKPOINT_EVERY = ConfigEntry.intAtLeast(
            "spark.mec.train.checkpointEveryEpochs",
            "Write checkpoint.ckpt after every N-th epoch and after the run's last epoch; 0 writes it after the last "
                    + "epoch only.", 1, 0);
    public static final ConfigEntry<Double> MAX_LOSS = ConfigEntry.doubleBetween("spark.mec.train.maxLoss",
            "Stop a run at the first step whose mean training loss is above this (it diverged), before its update, "
                    + "keeping the last checkpoint; a NaN or infinite loss always stops it; 0 turns the bound off.",
            1000.0, 0.0, 1e12);
    public static final ConfigEntry<Integer> AUGMENT_PADDING = ConfigEntry.intBetween("spark.mec.train.augment.padding",
            "Training augmentation: pad every training image with this many zero pixels (the channel mean after "
                    + "normalization) on each side and crop a random window of the input size; 0: no crop. The crop "
                    + "and the flip depend only on (seed, epoch, image index), never on the worker.", 0, 0, 64);
    public static final ConfigEntry<Boolean> AUGMENT_FLIP = ConfigEntry.bool("spark.mec.train.augment.flip",
            "Training augmentation: mirror every training image left to right with probability 1/2 (seeded as the "
                    + "crop).", false);
    public static final ConfigEntry<Double> VALIDATION_FRACTION = ConfigEntry.doubleBetween(
            "spark.mec.train.validationFraction",
            "Hold out this fraction of the training images (a split seeded by spark.mec.train.seed, after "
                    + "spark.mec.train.limit) and report their loss and accuracy after every epoch; 0: none.",
            0.0, 0.0, ValidationSplit.MAX_FRACTION);
    public static final ConfigEntry<Long> WORKSPACE_BUDGET = ConfigEntry.bytes("spark.mec.conv.workspaceBudgetBytes",
            "The most workspace a conv layer with algorithm auto lets im2col use (MEC is used above it).", "256m");

    /** Every training entry, in documentation order. */
    public static final List<ConfigEntry<?>> ENTRIES = List.of(EPOCHS, BATCH_SIZE, SEED, LIMIT, OPTIMIZER,
            LEARNING_RATE, MOMENTUM, NESTEROV, WEIGHT_DECAY, SCHEDULE, WORKERS, AGGREGATION, GRADIENT_WIRE_FORMAT,
            LOG_EVERY_STEPS, CHECKPOINT_DIR, CHECKPOINT_EVERY,
            MAX_LOSS, AUGMENT_PADDING, AUGMENT_FLIP, VALIDATION_FRACTION, WORKSPACE_BUDGET);

    private final Map<String, String> values;

    private TrainConf(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The keys defined here, for {@link EngineConf#from(Map, Set)}. */
    public static Set<String> keys() {
        return ENTRIES.stream().map(ConfigEntry::key).collect(Collectors.toSet());
    }

    /**
     * Reads and validates every training entry from {@code settings}.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static TrainConf from(Map<String, String> settings) {
        TrainConf conf = new TrainConf(settings);
        for (ConfigEntry<?> entry : ENTRIES) {
            conf.get(entry);
        }
        conf.optimizerSpec();
        return conf;
    }

    public <T> T get(ConfigEntry<T> entry) {
        return entry.parse(values.get(entry.key()));
    }

    public OptimizerSpec optimizerSpec() {
        OptimizerSpec spec = OptimizerSpec.defaults(get(OPTIMIZER));
        if (spec.kind() == OptimizerKind.SGD) {
            spec = spec.withMomentum(get(MOMENTUM)).withNesterov(get(NESTEROV));
        }
        return spec.withWeightDecay(get(WEIGHT_DECAY));
    }

    public double learningRate() {
        double lr = get(LEARNING_RATE);
        return lr > 0 ? lr : optimizerSpec().defaultLearningRate();
    }

    public ScheduleSpec scheduleSpec() {
        return ScheduleSpec.of(get(SCHEDULE), learningRate());
    }

    /** Where checkpoints go for a run writing to {@code outDir}, and how often. */
    public CheckpointPolicy checkpoints(Path outDir) {
        return CheckpointPolicy.of(outDir, get(CHECKPOINT_DIR), get(CHECKPOINT_EVERY));
    }

    /**
     * What the configured run is, with the conv algorithm override (null: as declared) and the resume flag; no
     * class names (the data gives them: {@link RunSettings#withClassNames}).
     */
    public RunSettings runSettings(org.sparkmec.engine.nn.ConvAlgorithmChoice algorithmOverride, boolean resume) {
        return new RunSettings(get(EPOCHS), get(BATCH_SIZE), get(SEED), get(LIMIT), optimizerSpec(), scheduleSpec(),
                get(WORKSPACE_BUDGET), algorithmOverride, resume, augmentation(), get(VALIDATION_FRACTION), List.of());
    }

    /** The augmentation of the training images that {@link #AUGMENT_PADDING} and {@link #AUGMENT_FLIP} set. */
    public Augmentation augmentation() {
        return new Augmentation(get(AUGMENT_PADDING), get(AUGMENT_FLIP));
    }

    /** The in-process run's options with the given output folder, resume flag and conv algorithm override. */
    public TrainingOptions options(Path outDir, boolean resume, org.sparkmec.engine.nn.ConvAlgorithmChoice algorithmOverride) {
        return new TrainingOptions(runSettings(algorithmOverride, resume), outDir, 1, checkpoints(outDir));
    }

    private static String folderPath(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty path");
        }
        try {
            Path.of(t);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("not a path: " + e.getReason());
        }
        return t;
    }
}
