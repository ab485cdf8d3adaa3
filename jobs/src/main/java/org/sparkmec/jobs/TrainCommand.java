package org.sparkmec.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.CheckpointPolicy;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.ResumePoint;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.engine.train.TrainingFiles;
import org.sparkmec.engine.train.TrainingOptions;
import org.sparkmec.jobs.charts.TrainingCharts;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.train.DistributedResult;
import org.sparkmec.spark.train.DistributedTrainer;
import org.sparkmec.spark.train.ExecutorLayerMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mec train}: trains a model declared in a file on Fashion-MNIST, on Spark ({@link DistributedTrainer})
 * or in this process ({@link LocalTrainer}, {@code --master none}).
 *
 * <p>Both paths resolve the same {@code spark.mec.*} settings from the options and {@code --conf}, and validate
 * them (and the model file, the data and, with {@code --resume}, the checkpoint) before any training starts; on
 * Spark, before the session starts. Under spark-submit (the {@code spark.master} system property is set) the
 * application's master and Spark settings are used and the options still set {@code spark.mec.*}. The output
 * folders follow {@link RunFolders}' rule, whichever trainer runs.
 */
@Command(name = "train", resourceBundle = "org.sparkmec.jobs.ConfigDefaults", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a model on Fashion-MNIST, an image folder or a Parquet table (--data): data-parallel on Spark (--master URL, default local[*]) or "
                + "in this process (--master none).",
                "",
                "Writes into --out DIR: metrics.csv (a row per epoch, written after each), layer_memory.csv (bytes per "
                        + "layer; on Spark a row per executor and layer), model.conf (the model, at the start), "
                        + "checkpoint.ckpt (into --checkpoint-dir, after every --checkpoint-every epochs and after the "
                        + "last: what --resume continues from), and, only once every epoch is done, model.ckpt (the "
                        + "final model, written last of the training files) and the charts training.png (loss and "
                        + "accuracy per epoch) and layer_memory.png.",
                "",
                "A run without --resume refuses folders that already hold these files. If a run fails or is "
                        + "interrupted (Ctrl-C) before it finishes its first epoch or writes its first checkpoint, it "
                        + "deletes the files and folders it created (never anything that was there before); after "
                        + "that its files stay for --resume, without model.ckpt. Bad settings, model file, data or "
                        + "checkpoint fail before anything is written.",
                "",
                "Under spark-submit the application's master and settings are used; the options still set spark.mec.*.",
                ""})
public final class TrainCommand implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainCommand.class);

    /** The {@code --master} value that trains in this process. */
    static final String IN_PROCESS = "none";

    @Spec
    CommandSpec commandSpec;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL|none",
            description = {"A Spark master: local[*] (default: all cores of this machine), local[N], local[N,F], "
                    + "local-cluster[N,C,MB], spark://host:port, yarn, k8s://URL. Starts a Spark session and trains "
                    + "on --workers workers; the driver logs progress every spark.mec.train.logEverySteps steps.",
                    "none: train in this process."})
    String master;

    @Option(names = "--model", defaultValue = "conf/models/lenet.conf", paramLabel = "FILE",
            description = "Model file (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (on Spark: the driver's).")
    Path out;

    @Option(names = "--data", paramLabel = "PATH", description = {"The data (default: the Fashion-MNIST IDX folder "
            + "/usr/share/datasets/fashion-mnist): a folder of the four IDX files; an image folder, PATH/train/<label>/*.png "
            + "(or .jpg) and optionally PATH/test/<label>/*.png, or PATH/<label>/*.png as one set, where <label> is "
            + "a class index (0, 1, ...) or a class name (names sorted to indices, written to classes.csv and the "
            + "checkpoints); or a "
            + "Parquet file or folder (PATH/train and PATH/test, or PATH as one set; Spark only) with a label and an "
            + "image column.", "Images are decoded as Spark's image source does, channels RGB (Spark's BGR "
            + "reordered), pixels scaled to b / 255; every image must have the model's input size and channels."})
    Path data;

    @Option(names = "--data-format", paramLabel = "auto|idx|images|FORMAT", defaultValue = TrainingData.AUTO,
            description = "How to read --data: auto (default: an image folder, Parquet by its .parquet files, else "
                    + "IDX), idx, images, or a Spark data source (parquet, orc, json, ...) for a table.")
    String dataFormat;

    @Option(names = "--image-col", paramLabel = "NAME", defaultValue = "image", description = "A table's image column "
            + "(default: ${DEFAULT-VALUE}): binary 8-bit pixels, array<float>, array<double>, vector (NHWC per row) or "
            + "the struct of Spark's image source.")
    String imageCol;

    @Option(names = "--label-col", paramLabel = "NAME", defaultValue = "label", description = "A table's label "
            + "column (default: ${DEFAULT-VALUE}): class indices, integral or a whole double.")
    String labelCol;

    @Option(names = "--validation-fraction", paramLabel = "F", description = "Hold out this fraction of the training "
            + "images (seeded by --seed, after --limit) and report their loss and accuracy after every epoch, beside the "
            + "test set's (spark.mec.train.validationFraction; default ${bundle:spark.mec.train.validationFraction}: none).")
    String validationFraction;

    @Option(names = "--augment-padding", paramLabel = "N", description = "Augment the training images: pad N zero "
            + "pixels (the mean after normalization) on each side and crop a random window of the input size "
            + "(spark.mec.train.augment.padding; default ${bundle:spark.mec.train.augment.padding}: no crop). Seeded by "
            + "(seed, epoch, image index), so the same on any worker.")
    Integer augmentPadding;

    @Option(names = "--augment-flip", negatable = true, description = "Augment the training images: mirror each left "
            + "to right with probability 1/2, seeded as the crop (spark.mec.train.augment.flip; default "
            + "${bundle:spark.mec.train.augment.flip}). --no-augment-flip turns off a flip set by --conf or, under "
            + "spark-submit, spark-defaults.conf.")
    Boolean augmentFlip;

    @Option(names = "--epochs", description = "Epochs (spark.mec.train.epochs; default ${bundle:spark.mec.train.epochs}).")
    Integer epochs;

    @Option(names = "--batch", description = "Mini-batch size (spark.mec.train.batchSize; default ${bundle:spark.mec.train.batchSize}); on Spark per "
            + "worker, so a step trains on workers x batch images.")
    Integer batch;

    @Option(names = "--workers", paramLabel = "N", description = "Spark only: data-parallel workers, one long-running "
            + "task each (spark.mec.train.workers; default 0: the application's default parallelism, its total "
            + "executor cores).")
    Integer workers;

    @Option(names = "--seed", description = "Seed (spark.mec.train.seed; default ${bundle:spark.mec.train.seed}).")
    Integer seed;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training images "
            + "(spark.mec.train.limit; default: all).")
    Integer limit;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", description = "Optimizer (spark.mec.train.optimizer; default ${bundle:spark.mec.train.optimizer}).")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (spark.mec.train.learningRate; default sgd 0.01, adam 0.001).")
    String learningRate;

    @Option(names = "--momentum", description = "SGD momentum (spark.mec.train.momentum; default ${bundle:spark.mec.train.momentum}).")
    String momentum;

    @Option(names = "--weight-decay", description = "L2 weight decay (spark.mec.train.weightDecay; default ${bundle:spark.mec.train.weightDecay}).")
    String weightDecay;

    @Option(names = "--schedule", paramLabel = "constant|step|cosine",
            description = "Learning-rate schedule (spark.mec.train.schedule; default ${bundle:spark.mec.train.schedule}).")
    String schedule;

    @Option(names = "--algorithm", paramLabel = "mec|im2col|auto",
            description = "Use this convolution algorithm in every conv layer instead of the model file's.")
    String algorithm;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Folder of checkpoint.ckpt "
            + "(spark.mec.train.checkpointDir; default: the --out folder); a relative DIR is taken inside --out.")
    String checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Write checkpoint.ckpt after every N-th "
            + "epoch and after the last (spark.mec.train.checkpointEveryEpochs; default ${bundle:spark.mec.train.checkpointEveryEpochs}); 0: after the last only.")
    Integer checkpointEvery;

    @Option(names = "--resume", description = "Continue from checkpoint.ckpt in the checkpoint folder up to --epochs, "
            + "in process or on Spark, as if the earlier run had not stopped: same model file, --seed, --optimizer "
            + "and class names (checked), more --epochs than the checkpoint has; on Spark also the same workers, "
            + "--batch and data (checked as steps per epoch). metrics.csv keeps the earlier epochs' rows.")
    boolean resume;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A setting, repeatable: any spark.mec.* key, e.g. "
            + "--conf spark.mec.mec.threshold=64; with a Spark master also any other spark.* key, e.g. "
            + "--conf spark.ui.enabled=false. The options above win over --conf.")
    List<String> conf;

    @Option(names = "--no-progress", description = "No progress bar (in process; Spark logs progress instead).")
    boolean noProgress;

    /** What a finished run hands to the charts: a row per epoch and the per-layer memory. */
    private record Trained(List<EpochMetrics> epochs, List<LayerMemoryRow> layers) {
    }

    @Override
    public Integer call() throws Exception {
        Trained trained = master.equals(IN_PROCESS) ? trainInProcess() : trainOnSpark();
        writeCharts(trained.epochs(), trained.layers(), out);
        return 0;
    }

    /**
     * The charts of a finished run, {@code out/training.png} and {@code out/layer_memory.png}, after
     * {@code model.ckpt}: the one place both trainers' results meet.
     *
     * @param epochs every epoch's metrics, earlier epochs of a resumed run included
     * @param layers one row per layer (on Spark, those of the first worker's executor)
     */
    private static void writeCharts(List<EpochMetrics> epochs, List<LayerMemoryRow> layers, Path out) {
        try {
            TrainingCharts.write(epochs, layers, out);
        } catch (java.io.UncheckedIOException e) {
            // The CSVs are the results; a machine without fonts still gets them.
            System.err.println("mec train: charts not written: " + e.getMessage());
        }
    }

    private Trained trainInProcess() throws Exception {
        if (workers != null) {
            throw new IllegalArgumentException("--workers " + workers + ": only Spark masters have workers; "
                    + "--master none trains in this process");
        }
        Map<String, String> given = CliSettings.keyValues("--conf", conf);
        for (String key : given.keySet()) {
            if (!key.startsWith(EngineConf.PREFIX)) {
                throw new IllegalArgumentException("--conf " + key + ": with --master none only spark.mec.* settings "
                        + "apply; Spark settings need a Spark master");
            }
        }
        ConvAlgorithmChoice override = algorithm == null ? null : ConvAlgorithmChoice.parse(algorithm);
        Map<String, String> settings = mecSettings(Map.of(EngineConf.BACKEND.key(), "cpu"), given);
        EngineConf engineConf = EngineConf.from(settings, TrainConf.keys());
        TrainConf trainConf = TrainConf.from(settings);
        ModelSpec spec = ModelFile.read(model);
        TrainingData.InProcess loaded = TrainingData.resolve(data, dataFormat).readInProcess(spec);
        TrainTestSplit split = loaded.split();
        warnIfLimitExceeds(trainConf.get(TrainConf.LIMIT), split.train().size());
        TrainingOptions options = trainConf.options(out, resume, override).withClassNames(loaded.classNames());
        try (Backend backend = Backends.create(engineConf)) {
            LocalTrainer trainer = new LocalTrainer(backend, spec, split, options, engineConf.mecOptions(backend.kind()),
                    noProgress ? null : System.err).maxLoss(trainConf.get(TrainConf.MAX_LOSS));
            RunFolders folders = RunFolders.claim(out, options.checkpoints().dir(), resume);
            trainer.onStep((step, loss, images) -> folders.stepDone(step));
            LocalTrainer.Result result = folders.runOrCleanUp(trainer::run);
            EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
            System.out.println(String.format(Locale.ROOT, "%s: %d epochs, %s, %.0f images/s; wrote %s",
                    spec.name(), last.epoch(), accuracies(last), last.imagesPerSecond(), out));
            return new Trained(result.epochs(), result.layerMemory());
        }
    }

    /**
     * Validates everything (options, {@code spark.mec.*}, model file, data, the checkpoint to resume) before the
     * session starts, then trains with {@link DistributedTrainer#fromConf} on the session's settings and stops the
     * session.
     */
    private Trained trainOnSpark() throws Exception {
        String sparkMaster = SparkApplication.master(master,
                commandSpec.commandLine().getParseResult().hasMatchedOption("--master"));
        Map<String, String> given = SparkApplication.sparkConf(conf);
        Map<String, String> system = SparkApplication.systemProperties();
        Map<String, String> mec = mecSettings(SparkApplication.mecDefaults(system), given);
        EngineConf.from(mec, TrainConf.keys());
        TrainConf trainConf = TrainConf.from(mec);
        int trainLimit = trainConf.get(TrainConf.LIMIT);
        ConvAlgorithmChoice override = algorithm == null ? null : ConvAlgorithmChoice.parse(algorithm);
        ModelSpec spec = ModelFile.read(model);
        TrainingData dataSource = TrainingData.resolve(data, dataFormat);
        // IDX files are read before the session starts, so that missing data fails first.
        TrainTestSplit idx = dataSource.kind() == TrainingData.Kind.IDX ? FashionMnist.load(dataSource.path()) : null;
        if (idx != null) {
            warnIfLimitExceeds(trainLimit, idx.train().size());
        }
        CheckpointPolicy checkpoints = trainConf.checkpoints(out);
        if (resume) {
            // The trainer checks again (and the steps per epoch and class names, once it knows the data); this
            // fails before the session starts.
            ResumePoint.load(checkpoints, out.resolve(TrainingFiles.METRICS), ModelSpecWriter.toHocon(spec),
                    trainConf.runSettings(override, true));
        }
        RunFolders folders = RunFolders.claim(out, checkpoints.dir(), resume);
        return folders.runOrCleanUp(() -> trainInSession(spec, dataSource, idx, override, trainLimit, folders,
                SparkApplication.start(sparkMaster, "spark-mec train " + spec.name(), system, given, mec)));
    }

    /** Trains on the started session {@code spark} and stops it. */
    private Trained trainInSession(ModelSpec spec, TrainingData dataSource, TrainTestSplit idx,
                                   ConvAlgorithmChoice override, int trainLimit, RunFolders folders, SparkSession spark)
            throws IOException {
        try {
            // IDX: only the rows used are shipped (parallelize puts each partition's rows into its task); the
            // trainer applies spark.mec.train.limit as well, which leaves these rows as they are.
            TrainingData.OnSpark frames = dataSource.readOnSpark(spark, spec, trainLimit,
                    new ImageColumns(labelCol, imageCol), idx);
            DistributedTrainer trainer = DistributedTrainer.fromConf(spark, spec, override, resume, frames.classNames())
                    .onStep((step, loss, images) -> folders.stepDone(step));
            DistributedResult result = trainer.fit(frames.train(), frames.test(), frames.columns(), out);
            EpochMetrics last = result.history().get(result.history().size() - 1);
            System.out.println(String.format(Locale.ROOT, "%s: %d epochs on %s, %d workers x %d images per step, "
                            + "%s, %.0f images/s; wrote %s", spec.name(), last.epoch(),
                    spark.sparkContext().master(), result.workers().size(), trainer.options().batchSize(),
                    accuracies(last), last.imagesPerSecond(), out));
            return new Trained(result.history(), firstExecutorRows(result.layerMemory()));
        } finally {
            spark.stop();
        }
    }

    /** {@code test accuracy A%}, with {@code validation accuracy V%} before it when the run has a validation split. */
    static String accuracies(EpochMetrics last) {
        String test = Double.isNaN(last.testAccuracy()) ? "no test set"
                : String.format(Locale.ROOT, "test accuracy %.2f%%", 100 * last.testAccuracy());
        return last.hasValidation() ? String.format(Locale.ROOT, "validation accuracy %.2f%%, %s",
                100 * last.validationAccuracy(), test) : test;
    }

    private static void warnIfLimitExceeds(int limit, int images) {
        String warning = limitWarning(limit, images);
        if (warning != null) {
            LOG.warn("{}", warning);
        }
    }

    /** What a {@code --limit} above the training images means, for a warning; null when it does not exceed them. */
    static String limitWarning(int limit, int images) {
        return limit > images ? "--limit " + limit + " (" + TrainConf.LIMIT.key() + ") is more than the " + images
                + " training images: all " + images + " are used" : null;
    }

    /** The rows of the first executor in {@code layer_memory.csv} order (the first worker's executor). */
    private static List<LayerMemoryRow> firstExecutorRows(List<ExecutorLayerMemory> memory) {
        return memory.stream().filter(m -> m.executor().equals(memory.get(0).executor()))
                .map(ExecutorLayerMemory::row).toList();
    }

    /** {@code spark.mec.*} settings: {@code base}, then those of {@code --conf}, then the options (the later wins). */
    Map<String, String> mecSettings(Map<String, String> base, Map<String, String> given) {
        Map<String, String> s = new HashMap<>(base);
        given.forEach((k, v) -> {
            if (k.startsWith(EngineConf.PREFIX)) {
                s.put(k, v);
            }
        });
        CliSettings.putIfSet(s, TrainConf.EPOCHS.key(), epochs);
        CliSettings.putIfSet(s, TrainConf.BATCH_SIZE.key(), batch);
        CliSettings.putIfSet(s, TrainConf.WORKERS.key(), workers);
        CliSettings.putIfSet(s, TrainConf.SEED.key(), seed);
        CliSettings.putIfSet(s, TrainConf.LIMIT.key(), limit);
        CliSettings.putIfSet(s, TrainConf.OPTIMIZER.key(), optimizer);
        CliSettings.putIfSet(s, TrainConf.LEARNING_RATE.key(), learningRate);
        CliSettings.putIfSet(s, TrainConf.MOMENTUM.key(), momentum);
        CliSettings.putIfSet(s, TrainConf.WEIGHT_DECAY.key(), weightDecay);
        CliSettings.putIfSet(s, TrainConf.SCHEDULE.key(), schedule);
        CliSettings.putIfSet(s, TrainConf.CHECKPOINT_DIR.key(), checkpointDir);
        CliSettings.putIfSet(s, TrainConf.CHECKPOINT_EVERY.key(), checkpointEvery);
        CliSettings.putIfSet(s, TrainConf.VALIDATION_FRACTION.key(), validationFraction);
        CliSettings.putIfSet(s, TrainConf.AUGMENT_PADDING.key(), augmentPadding);
        CliSettings.putIfSet(s, TrainConf.AUGMENT_FLIP.key(), augmentFlip);
        engine.putInto(s);
        return s;
    }


}
