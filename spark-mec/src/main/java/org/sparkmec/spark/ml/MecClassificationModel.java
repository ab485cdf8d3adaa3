package org.sparkmec.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.sparkmec.spark.train.DistributedResult;
import org.sparkmec.spark.train.ExecutorLayerMemory;

/**
 * A trained spark-mec network as a Spark ML {@link Model}, made by {@link MecClassifier#fit}: the model
 * declaration (HOCON), the final weights (a {@link Checkpoint} without optimizer state), the input
 * {@link Normalization} fitted on the training data, the training history and per-layer memory.
 *
 * <p>{@link #transform} keeps every input column and appends {@code predictionCol} ({@code double}, the class
 * index of the largest logit, the first on ties), {@code probabilityCol} ({@code vector}, the softmax of the
 * logits, computed in double: its values sum to 1) and {@code rawPredictionCol} ({@code vector}, the logits).
 * The image column ({@code featuresCol}) takes the types {@link MecClassifier} does ({@link MecClassifierParams});
 * the label column is not needed. Each image is normalized exactly as in training ({@code (x - mean[c]) / std[c]} in
 * double, then cast to float) and the network runs in evaluation mode (dropout off). A null image or one of
 * the wrong size fails the task with an {@link IllegalArgumentException} naming the column and the sizes
 * (Spark reports it wrapped in a {@code SparkException}).
 *
 * <p>Execution: rows are processed per partition in batches of {@code predictionBatchSize}. The weights reach
 * each executor once, as a Spark broadcast of the checkpoint bytes. The network is built on the JVM's
 * persistent engines ({@link ExecutorEngines}; the session's {@code spark.mec.*} engine settings, one engine
 * per running task, each driven by its task's thread) and kept there for later tasks and models of the same
 * declaration; weights are loaded into it only when it last held another model's. Conv layers declared
 * {@code auto} choose their algorithm on an engine's first batch, as in training; MEC and im2col compute the
 * same sums in different orders, so engines that chose differently may give probabilities that differ in
 * the last float bits. Each call broadcasts the weights once; Spark's {@code ContextCleaner} frees the
 * broadcast when the returned DataFrame is no longer referenced. Prediction does not need the spark-mec plugin.
 *
 * <p>Persistence: {@link #write()} saves the Params as Spark ML metadata and the data as a one-row Parquet
 * file under {@code path/data} (the checkpoint as one binary value, so below 2 GiB); {@link #load(String)}
 * restores everything. Saving over an existing path needs {@code write().overwrite().save(path)}.
 */
public final class MecClassificationModel extends Model<MecClassificationModel>
        implements MecClassifierParams<MecClassificationModel>, MLWritable {
    private static final long serialVersionUID = 1L;

    /** Default of {@link #predictionBatchSize()}. */
    public static final int DEFAULT_PREDICTION_BATCH_SIZE = 256;

    /** The schema of the one-row Parquet data a saved model keeps under {@code path/data}. */
    static final StructType DATA_SCHEMA = new StructType()
            .add("model_text", DataTypes.StringType, false)
            .add("checkpoint", DataTypes.BinaryType, false)
            .add("normalization_mean", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("normalization_std", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("history", DataTypes.createArrayType(DistributedResult.HISTORY_SCHEMA, false), false)
            .add("layer_memory", DataTypes.createArrayType(DistributedResult.LAYER_MEMORY_SCHEMA, false), false);

    private final String uid;
    private final String modelText;
    private final byte[] checkpoint;
    private final Normalization normalization;
    private final List<EpochMetrics> history;
    private final List<ExecutorLayerMemory> layerMemory;
    private final Shared shared;
    private final IntParam predictionBatchSize;
    private transient String checkpointDigest;

    /**
     * @param checkpoint the final model's checkpoint bytes ({@link Checkpoint#toBytes()}); taken, not copied
     */
    MecClassificationModel(String uid, String modelText, byte[] checkpoint, Normalization normalization,
                           List<EpochMetrics> history, List<ExecutorLayerMemory> layerMemory) {
        this.uid = uid;
        this.modelText = modelText;
        this.checkpoint = checkpoint;
        this.normalization = normalization;
        this.history = List.copyOf(history);
        this.layerMemory = List.copyOf(layerMemory);
        shared = new Shared(this);
        predictionBatchSize = new IntParam(this, "predictionBatchSize", "Images per forward pass at prediction "
                + "(bounds the activation memory of a task); an integer >= 1.");
        shared.setDefaults(this);
        setDefault(predictionBatchSize, DEFAULT_PREDICTION_BATCH_SIZE);
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

    /** Images per forward pass at prediction; default {@value #DEFAULT_PREDICTION_BATCH_SIZE}. */
    public IntParam predictionBatchSize() {
        return predictionBatchSize;
    }

    public int getPredictionBatchSize() {
        return (Integer) getOrDefault(predictionBatchSize);
    }

    public MecClassificationModel setPredictionBatchSize(int value) {
        set(predictionBatchSize, checkBatchSize(value));
        return this;
    }

    // ---- the trained model ----

    /** The model declaration (model-file text, canonical form) the weights belong to. */
    public String modelText() {
        return modelText;
    }

    /** The parsed declaration. */
    public ModelSpec modelSpec() {
        return ModelFile.parse(modelText, "model of " + uid);
    }

    /** The final weights (parsed from the stored bytes on each call). */
    public Checkpoint checkpoint() {
        try {
            return Checkpoint.fromBytes(checkpoint, "model " + uid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpoint in its file format ({@link Checkpoint#toBytes()}), a copy. */
    public byte[] checkpointBytes() {
        return checkpoint.clone();
    }

    /** The input normalization fitted on the training data, applied by {@link #transform}. */
    public Normalization normalization() {
        return normalization;
    }

    /** One row per epoch; the test columns are NaN when the estimator had no test set. */
    public List<EpochMetrics> trainingHistory() {
        return history;
    }

    /** Per executor and layer, the memory measured in training. */
    public List<ExecutorLayerMemory> trainingLayerMemory() {
        return layerMemory;
    }

    /** The training history as a DataFrame with the columns of {@code metrics.csv} ({@link DistributedResult#HISTORY_SCHEMA}). */
    public Dataset<Row> history(SparkSession spark) {
        return DistributedResult.historyFrame(spark, history);
    }

    /** The per-executor, per-layer memory of training as a DataFrame ({@link DistributedResult#LAYER_MEMORY_SCHEMA}). */
    public Dataset<Row> layerMemory(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (ExecutorLayerMemory m : layerMemory) {
            rows.add(layerMemoryRow(m));
        }
        return spark.createDataFrame(rows, DistributedResult.LAYER_MEMORY_SCHEMA);
    }

    @Override
    public long estimatedSize() {
        return checkpoint.length + 2L * modelText.length();
    }

    // ---- Transformer ----

    /**
     * Checks the Params and that {@code schema} has the image column with an accepted type, and returns it with
     * {@code predictionCol} ({@code double}), {@code probabilityCol} and {@code rawPredictionCol}
     * ({@code vector}) appended.
     *
     * @throws IllegalArgumentException naming the column or Param at fault
     */
    @Override
    public StructType transformSchema(StructType schema) {
        validateSharedParams();
        checkBatchSize(getPredictionBatchSize());
        new ImageColumns(null, getFeaturesCol()).validate(schema, false);
        return withOutputColumns(schema);
    }

    /** The rows of {@code dataset} with the three output columns appended (lazily, as a Spark plan). */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        SparkSession spark = dataset.sparkSession();
        ModelSpec spec = modelSpec();
        SparkConf conf = spark.sparkContext().getConf();
        Map<String, String> engineSettings = new TreeMap<>();
        for (scala.Tuple2<String, String> kv : conf.getAllWithPrefix(EngineConf.PREFIX)) {
            String key = EngineConf.PREFIX + kv._1();
            if (EngineConf.ENTRIES.stream().anyMatch(e -> e.key().equals(key))) {
                engineSettings.put(key, kv._2());
            }
        }
        EngineConf.from(engineSettings);
        String budgetKey = TrainConf.WORKSPACE_BUDGET.key();
        long budget = TrainConf.WORKSPACE_BUDGET.parse(conf.contains(budgetKey) ? conf.get(budgetKey) : null);
        Broadcast<byte[]> weights = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(checkpoint);
        Predictor predictor = new Predictor(modelText, spec.name(), checkpointDigest(), weights, normalization,
                engineSettings, budget, algorithmOverride(), dataset.schema().fieldIndex(getFeaturesCol()), getFeaturesCol(),
                getPredictionBatchSize());
        return dataset.toDF().mapPartitions(predictor, Encoders.row(out));
    }

    @Override
    public MecClassificationModel copy(ParamMap extra) {
        MecClassificationModel copy = new MecClassificationModel(uid, modelText, checkpoint, normalization, history,
                layerMemory);
        copy.setParent(parent());
        return copyValues(copy, extra);
    }

    @Override
    public String toString() {
        return "MecClassificationModel[" + uid + ": " + modelSpec().name() + ", " + history.size() + " epochs, "
                + checkpoint.length + " checkpoint bytes]";
    }

    private synchronized String checkpointDigest() {
        if (checkpointDigest == null) {
            try {
                checkpointDigest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(checkpoint));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available in this JVM", e);
            }
        }
        return checkpointDigest;
    }

    private int checkBatchSize(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("invalid value '" + value + "' for param predictionBatchSize of " + uid
                    + ": below the minimum 1; allowed: an integer >= 1");
        }
        return value;
    }

    private static Row layerMemoryRow(ExecutorLayerMemory m) {
        LayerMemoryRow r = m.row();
        return RowFactory.create(r.layer(), r.type(), r.algorithm(), r.weightsBytes(), r.gradientsBytes(),
                r.activationsBytes(), r.workspaceBytes(), r.im2colWorkspaceBytes(), r.peakBytes(), m.executor());
    }

    // ---- persistence ----

    /** Saves the Params (metadata) and the model data (one-row Parquet under {@code path/data}). */
    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<MecClassificationModel> read() {
        return new Reader();
    }

    /** Loads a model saved by {@code write().save(path)}. */
    public static MecClassificationModel load(String path) {
        return read().load(path);
    }

    private static String dataPath(String path) {
        return new org.apache.hadoop.fs.Path(path, "data").toString();
    }

    private static final class Writer extends MLWriter {
        private final MecClassificationModel model;

        Writer(MecClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            List<Row> history = new ArrayList<>();
            for (EpochMetrics m : model.history) {
                history.add(DistributedResult.historyRow(m));
            }
            List<Row> memory = new ArrayList<>();
            for (ExecutorLayerMemory m : model.layerMemory) {
                memory.add(layerMemoryRow(m));
            }
            Row row = RowFactory.create(model.modelText, model.checkpoint, model.normalization.mean(),
                    model.normalization.std(), history, memory);
            sparkSession().createDataFrame(List.of(row), DATA_SCHEMA).repartition(1).write()
                    .parquet(dataPath(path));
        }
    }

    private static final class Reader extends MLReader<MecClassificationModel> {
        @Override
        public MecClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    MecClassificationModel.class.getName());
            // The schema is given, so no Spark job infers it from the Parquet footer.
            Row row = sparkSession().read().schema(DATA_SCHEMA).parquet(dataPath(path)).first();
            List<EpochMetrics> history = new ArrayList<>();
            for (Row h : row.<Row>getList(row.fieldIndex("history"))) {
                history.add(DistributedResult.fromHistoryRow(h));
            }
            List<ExecutorLayerMemory> memory = new ArrayList<>();
            for (Row m : row.<Row>getList(row.fieldIndex("layer_memory"))) {
                memory.add(new ExecutorLayerMemory(m.getAs("executor"), new LayerMemoryRow(m.getAs("layer"),
                        m.getAs("type"), m.getAs("algorithm"), m.<Long>getAs("weights_bytes"),
                        m.<Long>getAs("gradients_bytes"), m.<Long>getAs("activations_bytes"),
                        m.<Long>getAs("workspace_bytes"), m.<Long>getAs("im2col_workspace_bytes"),
                        m.<Long>getAs("peak_bytes"))));
            }
            Normalization normalization = new Normalization(doubles(row, "normalization_mean"),
                    doubles(row, "normalization_std"));
            MecClassificationModel model = new MecClassificationModel(metadata.uid(), row.getAs("model_text"),
                    row.getAs("checkpoint"), normalization, history, memory);
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }

        private static double[] doubles(Row row, String field) {
            return row.<Double>getList(row.fieldIndex(field)).stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
