package org.sparkmec.spark.ml;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkmec.engine.config.ConfigEnums;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;

/**
 * The Params that {@link MecClassifier} and {@link MecClassificationModel} share, defined once (Spark ML's
 * pattern of shared params traits such as {@code HasFeaturesCol} and {@code HasLabelCol}): the input and
 * output column names of a Spark ML classifier and the conv algorithm override, with their getters, fluent
 * setters and checks.
 *
 * <ul>
 *   <li>{@code featuresCol} (default {@code image}; {@code imageCol} is an alias): the images, one per row:
 *       {@code binary} (8-bit pixels, scaled to {@code b / 255}), {@code array<float>}, {@code array<double>},
 *       an ML {@code vector} (NHWC values, {@code height x width x channels} per row), or the struct of Spark's
 *       image data source ({@code spark.read.format("image")}: its BGR bytes are reordered to RGB and scaled
 *       to {@code b / 255});</li>
 *   <li>{@code labelCol} (default {@code label}): class indices in {@code [0, classes)}, integral or a double
 *       holding a whole number;</li>
 *   <li>{@code predictionCol} ({@code double}, the class of the largest logit), {@code probabilityCol}
 *       ({@code vector}, the softmax of the logits) and {@code rawPredictionCol} ({@code vector}, the logits):
 *       the outputs of {@link MecClassificationModel#transform}, named as Spark's evaluators expect by
 *       default ({@code prediction}, {@code probability}, {@code rawPrediction});</li>
 *   <li>{@code convAlgorithm}: {@code declared} (each conv layer's algorithm from the model file) or
 *       {@code mec|im2col|auto} for every conv layer.</li>
 * </ul>
 *
 * <p>An instance makes its {@link Shared} Param objects in its constructor, before any other Param, and
 * calls {@link Shared#setDefaults} after making all of them (Spark ML lists an instance's Params by
 * reflection the first time a default is set).
 *
 * @param <S> the implementing class, which the setters return
 */
public interface MecClassifierParams<S extends MecClassifierParams<S>> extends Params {

    /** The value of {@link #convAlgorithm()} that keeps every conv layer's declared algorithm. */
    String DECLARED_ALGORITHM = "declared";

    /** This instance's shared Param objects. */
    Shared shared();

    /** Image column (the accepted types are in the interface comment); default {@code image}. */
    default Param<String> featuresCol() {
        return shared().featuresCol;
    }

    /** Label column; default {@code label}. */
    default Param<String> labelCol() {
        return shared().labelCol;
    }

    /** Output column of the predicted class index (double); default {@code prediction}. */
    default Param<String> predictionCol() {
        return shared().predictionCol;
    }

    /** Output column of the class probabilities (softmax of the logits, a vector); default {@code probability}. */
    default Param<String> probabilityCol() {
        return shared().probabilityCol;
    }

    /** Output column of the logits (a vector); default {@code rawPrediction}. */
    default Param<String> rawPredictionCol() {
        return shared().rawPredictionCol;
    }

    /** {@code declared} or {@code mec|im2col|auto} for every conv layer; default {@code declared}. */
    default Param<String> convAlgorithm() {
        return shared().convAlgorithm;
    }

    default String getFeaturesCol() {
        return getOrDefault(featuresCol());
    }

    default S setFeaturesCol(String value) {
        return setColumn(featuresCol(), value);
    }

    /** The image column: an alias of {@link #getFeaturesCol()}. */
    default String getImageCol() {
        return getFeaturesCol();
    }

    /** Sets the image column: an alias of {@link #setFeaturesCol}. */
    default S setImageCol(String value) {
        return setFeaturesCol(value);
    }

    default String getLabelCol() {
        return getOrDefault(labelCol());
    }

    default S setLabelCol(String value) {
        return setColumn(labelCol(), value);
    }

    default String getPredictionCol() {
        return getOrDefault(predictionCol());
    }

    default S setPredictionCol(String value) {
        return setColumn(predictionCol(), value);
    }

    default String getProbabilityCol() {
        return getOrDefault(probabilityCol());
    }

    default S setProbabilityCol(String value) {
        return setColumn(probabilityCol(), value);
    }

    default String getRawPredictionCol() {
        return getOrDefault(rawPredictionCol());
    }

    default S setRawPredictionCol(String value) {
        return setColumn(rawPredictionCol(), value);
    }

    default String getConvAlgorithm() {
        return getOrDefault(convAlgorithm());
    }

    /** @throws IllegalArgumentException naming the Param, the value and what is allowed */
    default S setConvAlgorithm(String value) {
        parseConvAlgorithm(value);
        set(convAlgorithm(), value);
        return self();
    }

    /** The conv algorithm override (null for {@code declared}). */
    default ConvAlgorithmChoice algorithmOverride() {
        return parseConvAlgorithm(getConvAlgorithm());
    }

    /**
     * {@code schema} with the three output columns appended (prediction {@code double}, probability and raw
     * prediction {@code vector}).
     *
     * @throws IllegalArgumentException if two output names are equal or one is already a column of the data
     */
    default StructType withOutputColumns(StructType schema) {
        List<String> outputs = List.of(getPredictionCol(), getProbabilityCol(), getRawPredictionCol());
        if (outputs.stream().distinct().count() < outputs.size()) {
            throw new IllegalArgumentException("predictionCol, probabilityCol and rawPredictionCol are " + outputs
                    + "; they need different names");
        }
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : outputs) {
            if (names.contains(c)) {
                throw new IllegalArgumentException("output column '" + c + "' already exists in the data (columns "
                        + names + "); choose another name with setPredictionCol / setProbabilityCol / "
                        + "setRawPredictionCol");
            }
        }
        return schema.add(getPredictionCol(), DataTypes.DoubleType, false)
                .add(getProbabilityCol(), SQLDataTypes.VectorType(), false)
                .add(getRawPredictionCol(), SQLDataTypes.VectorType(), false);
    }

    /** Checks the shared Params as their setters do (values may also arrive through a ParamMap). */
    default void validateSharedParams() {
        for (Param<String> column : List.of(featuresCol(), labelCol(), predictionCol(), probabilityCol(),
                rawPredictionCol())) {
            checkColumnName(column, getOrDefault(column));
        }
        algorithmOverride();
    }

    private S setColumn(Param<String> param, String value) {
        set(param, checkColumnName(param, value));
        return self();
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    private ConvAlgorithmChoice parseConvAlgorithm(String value) {
        if (value != null && value.trim().equalsIgnoreCase(DECLARED_ALGORITHM)) {
            return null;
        }
        try {
            return ConvAlgorithmChoice.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value '" + value + "' for param convAlgorithm of " + uid()
                    + ": not an algorithm; allowed: " + Shared.convAlgorithmsAllowed(), e);
        }
    }

    private String checkColumnName(Param<String> param, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("invalid value '" + value + "' for param " + param.name() + " of "
                    + uid() + ": a column name must not be empty");
        }
        return value;
    }

    /** The Param objects of one instance. */
    final class Shared implements Serializable {
        private static final long serialVersionUID = 1L;

        private final Param<String> featuresCol;
        private final Param<String> labelCol;
        private final Param<String> predictionCol;
        private final Param<String> probabilityCol;
        private final Param<String> rawPredictionCol;
        private final Param<String> convAlgorithm;

        /** Makes the Params of {@code owner}; call first in its constructor. */
        public Shared(Params owner) {
            featuresCol = new Param<>(owner, "featuresCol", "Image column: binary (8-bit pixels), array<float>, "
                    + "array<double> or vector (height x width x channels values per row, NHWC), or the struct of "
                    + "Spark's image data source (BGR bytes, reordered to RGB). imageCol is an alias.");
            labelCol = new Param<>(owner, "labelCol", "Label column: an integral type or a double holding class "
                    + "indices in [0, classes).");
            predictionCol = new Param<>(owner, "predictionCol", "Output column of the predicted class index (double).");
            probabilityCol = new Param<>(owner, "probabilityCol", "Output column of the class probabilities (vector, "
                    + "the softmax of the logits).");
            rawPredictionCol = new Param<>(owner, "rawPredictionCol", "Output column of the logits (vector).");
            convAlgorithm = new Param<>(owner, "convAlgorithm", "Convolution algorithm of every conv layer: "
                    + convAlgorithmsAllowed() + "; declared keeps each layer's algorithm from the model file.");
        }

        /** Sets the defaults; call once every Param of {@code owner} exists. */
        public void setDefaults(Params owner) {
            owner.setDefault(featuresCol, "image");
            owner.setDefault(labelCol, "label");
            owner.setDefault(predictionCol, "prediction");
            owner.setDefault(probabilityCol, "probability");
            owner.setDefault(rawPredictionCol, "rawPrediction");
            owner.setDefault(convAlgorithm, DECLARED_ALGORITHM);
        }

        private static String convAlgorithmsAllowed() {
            return DECLARED_ALGORITHM + "|" + ConfigEnums.allowed(ConvAlgorithmChoice.class);
        }
    }
}
