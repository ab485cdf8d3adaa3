package org.sparkmec.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.train.DistributedResult;
import org.sparkmec.spark.train.DistributedTrainer;
import org.sparkmec.spark.train.SparkTrainingOptions;

/**
 * A Spark ML {@link Estimator} that trains a spark-mec convolutional network, declared in a model file
 * (HOCON, {@link ModelFile}), on a DataFrame of labelled images with the synchronous data-parallel
 * {@link DistributedTrainer}, and returns a {@link MecClassificationModel}.
 *
 * <p>Columns, as Spark ML's classifiers name them ({@link MecClassifierParams}): {@code featuresCol} (default
 * {@code image}; {@code imageCol} is an alias) holds the images: {@code binary} 8-bit pixels, {@code array<float>},
 * {@code array<double>} or an ML {@code vector} ({@code height x width x channels} values per row, NHWC), or the
 * struct of Spark's image data source; {@code labelCol} class indices in {@code [0, classes)}, {@code classes}
 * being the last dense layer's units (an integral type, or a double holding a whole number). Nulls, wrong image
 * sizes and out-of-range labels fail {@link #fit} with an {@link IllegalArgumentException} before any training
 * work. The model adds {@code predictionCol} ({@code double}), {@code probabilityCol} and
 * {@code rawPredictionCol} ({@code vector}); none of them may be in the input. So the estimator works in a
 * {@code Pipeline}, under {@code CrossValidator} / {@code TrainValidationSplit} with a {@code ParamGridBuilder}
 * grid over its Params, and with {@code MulticlassClassificationEvaluator}.
 *
 * <p>Normalization: {@link #fit} computes the per-channel mean and population standard deviation of the
 * training images (after the {@code b / 255} scaling) and trains on {@code (x - mean[c]) / std[c]}; the
 * model keeps and applies the same transform at prediction.
 *
 * <p>Augmentation and validation: {@code augmentPadding} and {@code augmentFlip} crop and mirror the training
 * images on the executors, each image by (seed, epoch, its row position) only ({@code Augmentation}), and
 * {@code validationFraction} holds out a seeded share of the training rows ({@code ValidationSplit}), whose loss
 * and accuracy after every epoch are the history's {@code validation_loss} and {@code validation_accuracy}.
 *
 * <p>Settings: each training Param maps onto one {@code spark.mec.train.*} entry of {@link TrainConf},
 * whose default is the Param's default and whose validation it uses (one definition for both). The Params
 * override the session's values for their keys. Settings without a Param (momentum, Nesterov, weight decay,
 * learning-rate schedule, conv workspace budget, log interval, divergence bound, aggregation, gradient wire
 * format) and the engine settings
 * ({@code spark.mec.backend}, {@code spark.mec.cpu.*}, ...) come from the session's configuration;
 * {@code spark.mec.train.limit} does not apply: the estimator trains on every row (filter the DataFrame
 * instead). An invalid Param value fails its setter, and {@link #fit} / {@link #transformSchema} for values
 * set another way (a {@code ParamMap}), with an {@link IllegalArgumentException} naming the Param, the value
 * and what is allowed.
 *
 * <p>Runtime: needs {@code spark.plugins=org.sparkmec.spark.MecSparkPlugin}. {@link #fit} runs Spark jobs and
 * blocks the calling thread until training ends; the workers are {@code workers} long-running tasks, so the
 * application needs that many free task slots. Persistence: {@link #write()} / {@link #load(String)} save
 * and restore the Params (Spark ML's {@code DefaultParamsWriter} metadata).
 */
public final class MecClassifier extends Estimator<MecClassificationModel>
        implements MecClassifierParams<MecClassifier>, MLWritable {
    private static final long serialVersionUID = 1L;

    /** Param name to the training entry it sets and is validated by (static: not part of the serialized form). */
    private static final Map<String, ConfigEntry<?>> ENTRIES = entries();

    private final String uid;
    private final Shared shared;
    private final Param<String> modelSpec;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final IntParam seed;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final IntParam workers;
    private final IntParam augmentPadding;
    private final BooleanParam augmentFlip;
    private final DoubleParam validationFraction;

    public MecClassifier() {
        this(Identifiable.randomUID("mecClassifier"));
    }

    public MecClassifier(String uid) {
        this.uid = Objects.requireNonNull(uid, "uid");
        shared = new Shared(this);
        modelSpec = new Param<>(this, "modelSpec", "The model declaration: the text of a model file (HOCON, "
                + "see conf/models). Required.");
        epochs = new IntParam(this, "epochs", entryDoc("epochs"));
        batchSize = new IntParam(this, "batchSize", entryDoc("batchSize"));
        seed = new IntParam(this, "seed", entryDoc("seed"));
        optimizer = new Param<>(this, "optimizer", entryDoc("optimizer"));
        learningRate = new DoubleParam(this, "learningRate", entryDoc("learningRate"));
        workers = new IntParam(this, "workers", entryDoc("workers"));
        augmentPadding = new IntParam(this, "augmentPadding", entryDoc("augmentPadding"));
        augmentFlip = new BooleanParam(this, "augmentFlip", entryDoc("augmentFlip"));
        validationFraction = new DoubleParam(this, "validationFraction", entryDoc("validationFraction"));
        shared.setDefaults(this);
        setDefault(epochs, TrainConf.EPOCHS.parse(null));
        setDefault(batchSize, TrainConf.BATCH_SIZE.parse(null));
        setDefault(seed, TrainConf.SEED.parse(null));
        setDefault(optimizer, TrainConf.OPTIMIZER.defaultValue());
        setDefault(learningRate, TrainConf.LEARNING_RATE.parse(null));
        setDefault(workers, TrainConf.WORKERS.parse(null));
        setDefault(augmentPadding, TrainConf.AUGMENT_PADDING.parse(null));
        setDefault(augmentFlip, TrainConf.AUGMENT_FLIP.parse(null));
        setDefault(validationFraction, TrainConf.VALIDATION_FRACTION.parse(null));
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Shared shared() {
        return shared;
    }

    // ---- Params ----

    /** The model declaration (model-file text). Required; no default. */
    public Param<String> modelSpec() {
        return modelSpec;
    }

    /** Epochs to train ({@code spark.mec.train.epochs}). */
    public IntParam epochs() {
        return epochs;
    }

    /** Images per worker per step; the global batch is {@code workers x batchSize} ({@code spark.mec.train.batchSize}). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Seed of the weights, the data order and the dropout masks ({@code spark.mec.train.seed}). */
    public IntParam seed() {
        return seed;
    }

    /** {@code sgd} or {@code adam} ({@code spark.mec.train.optimizer}). */
    public Param<String> optimizer() {
        return optimizer;
    }

    /** Base learning rate; 0 for the optimizer's default ({@code spark.mec.train.learningRate}). */
    public DoubleParam learningRate() {
        return learningRate;
    }

    /** Data-parallel workers; 0 for the application's default parallelism ({@code spark.mec.train.workers}). */
    public IntParam workers() {
        return workers;
    }

    /** Random-crop padding of the training images, 0 for no crop ({@code spark.mec.train.augment.padding}). */
    public IntParam augmentPadding() {
        return augmentPadding;
    }

    /** Whether training images are mirrored left to right with probability 1/2 ({@code spark.mec.train.augment.flip}). */
    public BooleanParam augmentFlip() {
        return augmentFlip;
    }

    /**
     * Fraction of the training rows held out for validation, reported per epoch in the history's validation
     * columns; 0 for none ({@code spark.mec.train.validationFraction}).
     */
    public DoubleParam validationFraction() {
        return validationFraction;
    }

    // ---- getters and setters ----

    public String getModelSpec() {
        return getOrDefault(modelSpec);
    }

    /**
     * Sets the model declaration (model-file text).
     *
     * @throws IllegalArgumentException (a {@code ModelFileException}) naming the line, layer and field of the
     *                                  first problem in the text
     */
    public MecClassifier setModelSpec(String hocon) {
        ModelFile.parse(Objects.requireNonNull(hocon, "hocon"), "param modelSpec of " + uid);
        set(modelSpec, hocon);
        return this;
    }

    /** Reads and validates a model file and sets {@link #modelSpec()} to its canonical text. */
    public MecClassifier setModelFile(Path file) {
        set(modelSpec, ModelSpecWriter.toHocon(ModelFile.read(file)));
        return this;
    }

    public int getEpochs() {
        return (Integer) getOrDefault(epochs);
    }

    public MecClassifier setEpochs(int value) {
        set(epochs, checkEntry(epochs, value));
        return this;
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public MecClassifier setBatchSize(int value) {
        set(batchSize, checkEntry(batchSize, value));
        return this;
    }

    public int getSeed() {
        return (Integer) getOrDefault(seed);
    }

    public MecClassifier setSeed(int value) {
        set(seed, checkEntry(seed, value));
        return this;
    }

    public String getOptimizer() {
        return getOrDefault(optimizer);
    }

    public MecClassifier setOptimizer(String value) {
        set(optimizer, checkEntry(optimizer, value));
        return this;
    }

    public double getLearningRate() {
        return (Double) getOrDefault(learningRate);
    }

    public MecClassifier setLearningRate(double value) {
        set(learningRate, checkEntry(learningRate, value));
        return this;
    }

    public int getWorkers() {
        return (Integer) getOrDefault(workers);
    }

    public MecClassifier setWorkers(int value) {
        set(workers, checkEntry(workers, value));
        return this;
    }

    public int getAugmentPadding() {
        return (Integer) getOrDefault(augmentPadding);
    }

    public MecClassifier setAugmentPadding(int value) {
        set(augmentPadding, checkEntry(augmentPadding, value));
        return this;
    }

    public boolean getAugmentFlip() {
        return (Boolean) getOrDefault(augmentFlip);
    }

    public MecClassifier setAugmentFlip(boolean value) {
        set(augmentFlip, checkEntry(augmentFlip, value));
        return this;
    }

    public double getValidationFraction() {
        return (Double) getOrDefault(validationFraction);
    }

    public MecClassifier setValidationFraction(double value) {
        set(validationFraction, checkEntry(validationFraction, value));
        return this;
    }

    // ---- Estimator ----

    /**
     * Checks every Param and that {@code schema} has the label and image columns with accepted types, and
     * returns it with the prediction ({@code double}), probability and raw prediction ({@code vector})
     * columns appended.
     *
     * @throws IllegalArgumentException naming the Param or column at fault, what it is and what is allowed
     */
    @Override
    public StructType transformSchema(StructType schema) {
        validateParams();
        columns().validate(schema, true);
        return withOutputColumns(schema);
    }

    /** Trains on every row of {@code dataset}; the history's test columns are NaN. See {@link #fitWithTest}. */
    @Override
    public MecClassificationModel fit(Dataset<?> dataset) {
        return fitWithTest(dataset, null);
    }

    /**
     * Trains on every row of {@code train} and, when {@code test} is not null, evaluates the model on every row
     * of {@code test} after each epoch (the test loss and accuracy of {@link MecClassificationModel#history}).
     * The test rows only measure: they change nothing in training. Both frames need the label and image columns.
     *
     * @throws IllegalArgumentException on an invalid Param value or invalid data (naming the column, image size
     *                                  or label range at fault)
     * @throws IllegalStateException    if the spark-mec plugin is missing or training failed after Spark's retries
     */
    public MecClassificationModel fitWithTest(Dataset<?> train, Dataset<?> test) {
        Objects.requireNonNull(train, "train");
        transformSchema(train.schema(), true);
        ImageColumns columns = columns();
        if (test != null) {
            columns.validate(test.schema(), true);
        }
        ModelSpec spec = parsedModelSpec();
        SparkSession spark = train.sparkSession();
        Map<String, String> settings = trainingSettings(spark.sparkContext().getConf());
        TrainConf conf = TrainConf.from(settings);
        SparkTrainingOptions options = SparkTrainingOptions.from(conf, algorithmOverride());
        DistributedResult result = new DistributedTrainer(spark, spec, options, settings).configuredBy(conf)
                .fit(train.toDF(), test == null ? null : test.toDF(), columns, null);
        byte[] checkpoint;
        try {
            checkpoint = result.model().toBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("serializing the trained model of " + uid + " failed: " + e.getMessage(), e);
        }
        MecClassificationModel model = new MecClassificationModel(uid, result.model().modelText(), checkpoint,
                result.normalization(), result.history(), result.layerMemory());
        model.setParent(this);
        return copyValues(model, ParamMap.empty());
    }

    @Override
    public MecClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    // ---- persistence ----

    /** Saves the Params (Spark ML metadata under {@code path/metadata}). */
    @Override
    public MLWriter write() {
        return new DefaultParamsWriter(this);
    }

    public static MLReader<MecClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved by {@code write().save(path)}. */
    public static MecClassifier load(String path) {
        return read().load(path);
    }

    // ---- internals ----

    private ImageColumns columns() {
        return new ImageColumns(getLabelCol(), getFeaturesCol());
    }

    private ModelSpec parsedModelSpec() {
        if (!isDefined(modelSpec)) {
            throw new IllegalArgumentException("param modelSpec of " + uid + " is not set: set the model declaration "
                    + "with setModelSpec(hocon) or setModelFile(path)");
        }
        return ModelFile.parse(getModelSpec(), "param modelSpec of " + uid);
    }

    /** Checks every Param as its setter does (values may also arrive through a ParamMap). */
    private void validateParams() {
        parsedModelSpec();
        validateSharedParams();
        for (String name : ENTRIES.keySet()) {
            checkEntry(getParam(name), getOrDefault(getParam(name)));
        }
    }

    /**
     * The session's {@code spark.mec.*} settings with the Params' values in their keys; {@code limit} 0.
     */
    private Map<String, String> trainingSettings(SparkConf conf) {
        Map<String, String> settings = new TreeMap<>();
        for (scala.Tuple2<String, String> kv : conf.getAllWithPrefix(EngineConf.PREFIX)) {
            settings.put(EngineConf.PREFIX + kv._1(), kv._2());
        }
        for (Map.Entry<String, ConfigEntry<?>> e : ENTRIES.entrySet()) {
            settings.put(e.getValue().key(), String.valueOf(getOrDefault(getParam(e.getKey()))));
        }
        settings.put(TrainConf.LIMIT.key(), "0");
        return settings;
    }

    /** {@code value} if its training entry accepts it, else throws naming the Param, the value and what is allowed. */
    private <T> T checkEntry(Param<?> param, T value) {
        ConfigEntry<?> entry = ENTRIES.get(param.name());
        String text = String.valueOf(value);
        try {
            entry.parse(text);
        } catch (IllegalArgumentException e) {
            String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new IllegalArgumentException("invalid value '" + text + "' for param " + param.name() + " of " + uid
                    + ": " + reason + "; allowed: " + entry.allowed() + " (the param sets " + entry.key() + ")", e);
        }
        return value;
    }

    private static Map<String, ConfigEntry<?>> entries() {
        Map<String, ConfigEntry<?>> m = new LinkedHashMap<>();
        m.put("epochs", TrainConf.EPOCHS);
        m.put("batchSize", TrainConf.BATCH_SIZE);
        m.put("seed", TrainConf.SEED);
        m.put("optimizer", TrainConf.OPTIMIZER);
        m.put("learningRate", TrainConf.LEARNING_RATE);
        m.put("workers", TrainConf.WORKERS);
        m.put("augmentPadding", TrainConf.AUGMENT_PADDING);
        m.put("augmentFlip", TrainConf.AUGMENT_FLIP);
        m.put("validationFraction", TrainConf.VALIDATION_FRACTION);
        return Collections.unmodifiableMap(m);
    }

    private static String entryDoc(String param) {
        ConfigEntry<?> entry = ENTRIES.get(param);
        return entry.doc() + " Allowed: " + entry.allowed() + ". Sets " + entry.key() + "; default "
                + entry.defaultValue() + ".";
    }
}
