package org.sparkmec.spark.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LayerMemoryRow;

/**
 * What a Spark training run produced: the final model, its history and measurements.
 *
 * @param model         the final weights (no optimizer state)
 * @param normalization the input normalization fitted on the training data (apply it at prediction)
 * @param history       one row per epoch (test columns NaN without a test set)
 * @param stepLosses    the mean loss of every step, in step order
 * @param layerMemory   per executor and layer
 * @param workers       the workers' reports of the final (successful) stage attempt
 * @param stepTimes     mean phase times over all steps
 * @param attempts      barrier stage attempts the run needed (1 without failures)
 * @param steps         optimizer steps applied by the driver
 */
public record DistributedResult(ModelSpec spec, Checkpoint model, Normalization normalization,
                                List<EpochMetrics> history, double[] stepLosses, List<ExecutorLayerMemory> layerMemory,
                                List<WorkerReport> workers, StepTimes stepTimes, int attempts, long steps) {

    /** The schema of {@link #historyFrame}: the columns of {@code metrics.csv}. */
    public static final StructType HISTORY_SCHEMA = new StructType()
            .add("epoch", DataTypes.IntegerType, false)
            .add("step", DataTypes.LongType, false)
            .add("train_loss", DataTypes.DoubleType, false)
            .add("train_accuracy", DataTypes.DoubleType, false)
            .add("test_loss", DataTypes.DoubleType, false)
            .add("test_accuracy", DataTypes.DoubleType, false)
            .add("images_per_s", DataTypes.DoubleType, false)
            .add("validation_loss", DataTypes.DoubleType, true)
            .add("validation_accuracy", DataTypes.DoubleType, true);

    /** The schema of {@link #layerMemoryFrame}: the columns of the Spark trainer's {@code layer_memory.csv}. */
    public static final StructType LAYER_MEMORY_SCHEMA = new StructType()
            .add("layer", DataTypes.StringType, false)
            .add("type", DataTypes.StringType, false)
            .add("algorithm", DataTypes.StringType, false)
            .add("weights_bytes", DataTypes.LongType, false)
            .add("gradients_bytes", DataTypes.LongType, false)
            .add("activations_bytes", DataTypes.LongType, false)
            .add("workspace_bytes", DataTypes.LongType, false)
            .add("im2col_workspace_bytes", DataTypes.LongType, false)
            .add("peak_bytes", DataTypes.LongType, false)
            .add("executor", DataTypes.StringType, false);

    /** The training history as a DataFrame (one row per epoch). */
    public Dataset<Row> historyFrame(SparkSession spark) {
        return historyFrame(spark, history);
    }

    /** {@code history} as a DataFrame of {@link #HISTORY_SCHEMA}. */
    public static Dataset<Row> historyFrame(SparkSession spark, List<EpochMetrics> history) {
        List<Row> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            rows.add(historyRow(m));
        }
        return spark.createDataFrame(rows, HISTORY_SCHEMA);
    }

    /** One epoch as a row of {@link #HISTORY_SCHEMA}. */
    public static Row historyRow(EpochMetrics m) {
        return RowFactory.create(m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(),
                m.imagesPerSecond(), m.validationLoss(), m.validationAccuracy());
    }

    /**
     * The inverse of {@link #historyRow}; a row without the validation columns (saved before they existed, so
     * read back as null) gets NaN there.
     */
    public static EpochMetrics fromHistoryRow(Row h) {
        return new EpochMetrics(h.<Integer>getAs("epoch"), h.<Long>getAs("step"), h.<Double>getAs("train_loss"),
                h.<Double>getAs("train_accuracy"), h.<Double>getAs("test_loss"), h.<Double>getAs("test_accuracy"),
                h.<Double>getAs("images_per_s"), nanIfNull(h.getAs("validation_loss")),
                nanIfNull(h.getAs("validation_accuracy")));
    }

    private static double nanIfNull(Double value) {
        return value == null ? Double.NaN : value;
    }

    /** The per-executor, per-layer memory statistics as a DataFrame. */
    public Dataset<Row> layerMemoryFrame(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (ExecutorLayerMemory m : layerMemory) {
            LayerMemoryRow r = m.row();
            rows.add(RowFactory.create(r.layer(), r.type(), r.algorithm(), r.weightsBytes(), r.gradientsBytes(),
                    r.activationsBytes(), r.workspaceBytes(), r.im2colWorkspaceBytes(), r.peakBytes(), m.executor()));
        }
        return spark.createDataFrame(rows, LAYER_MEMORY_SCHEMA);
    }
}
