package org.sparkmec.jobs.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LayerMemoryRow;

/**
 * The charts of a training run, beside its {@code metrics.csv} and {@code layer_memory.csv}:
 * <ul>
 *   <li>{@value #TRAINING_PNG}: two panels over the epochs, mean cross-entropy loss above and accuracy (%)
 *       below, each with a "train" and a "test" line (no "test" line when the run had no test set) and a
 *       "validation" line when the run held out a validation split;</li>
 *   <li>{@value #LAYER_MEMORY_PNG}: per convolution layer (a layer with a workspace), the largest
 *       workspace one call of the layer allocated with the algorithm it used against the workspace
 *       im2col would need for the same call, in MiB (2^20 bytes), linear scale. A network without a
 *       convolution layer gets a chart that says "no data", so no older chart stays behind.</li>
 * </ul>
 */
public final class TrainingCharts {
    /** Loss and accuracy per epoch. */
    public static final String TRAINING_PNG = "training.png";
    /** Convolution workspace per layer against im2col's. */
    public static final String LAYER_MEMORY_PNG = "layer_memory.png";

    private static final double MIB = 1024.0 * 1024.0;

    private TrainingCharts() {
    }

    /**
     * Writes {@value #TRAINING_PNG} and {@value #LAYER_MEMORY_PNG} into {@code outDir} (created if missing),
     * each atomically: a reader sees the previous file or the whole new one.
     *
     * @param epochs one row per epoch, epoch numbers increasing; train loss and accuracy finite, accuracy
     *               in [0, 1]; the test columns finite in every row, or NaN in every row (no test set)
     * @param layers one row per layer of the network (as {@link LayerMemoryRow#measure} gives them; on Spark,
     *               one executor's rows), names distinct, byte counts {@code >= 0}
     * @throws IllegalArgumentException naming the value and the rule broken, before anything is written
     * @throws UncheckedIOException     when a file cannot be written or the JDK finds no font to draw text
     */
    public static void write(List<EpochMetrics> epochs, List<LayerMemoryRow> layers, Path outDir) {
        LineChart training = trainingChart(epochs);
        GroupedBarChart memory = layerMemoryChart(layers);
        Checks.notNull("output folder", outDir);
        try {
            training.writePng(outDir.resolve(TRAINING_PNG));
            memory.writePng(outDir.resolve(LAYER_MEMORY_PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training charts into " + outDir, e);
        }
    }

    static LineChart trainingChart(List<EpochMetrics> epochs) {
        Checks.notEmpty("epochs", epochs);
        int n = epochs.size();
        double[] epoch = new double[n];
        double[] trainLoss = new double[n];
        double[] testLoss = new double[n];
        double[] trainAccuracy = new double[n];
        double[] testAccuracy = new double[n];
        for (int i = 0; i < n; i++) {
            EpochMetrics m = Checks.notNull("epochs[" + i + "]", epochs.get(i));
            if (i > 0 && m.epoch() <= epochs.get(i - 1).epoch()) {
                throw new IllegalArgumentException("epochs[" + i + "] is epoch " + m.epoch() + " after epoch "
                        + epochs.get(i - 1).epoch() + "; epoch numbers must increase");
            }
            String which = "epoch " + m.epoch();
            epoch[i] = m.epoch();
            trainLoss[i] = Checks.finite("train loss of " + which, m.trainLoss());
            trainAccuracy[i] = 100 * accuracy("train accuracy of " + which, m.trainAccuracy());
            testLoss[i] = m.testLoss();
            testAccuracy[i] = 100 * m.testAccuracy();
        }
        List<LineChart.Series> loss = new ArrayList<>(List.of(new LineChart.Series("train", epoch, trainLoss)));
        List<LineChart.Series> accuracy = new ArrayList<>(
                List.of(new LineChart.Series("train", epoch, trainAccuracy)));
        if (hasTestSet(epochs)) {
            loss.add(new LineChart.Series("test", epoch, testLoss));
            accuracy.add(new LineChart.Series("test", epoch, testAccuracy));
        }
        if (epochs.stream().allMatch(EpochMetrics::hasValidation)) {
            loss.add(new LineChart.Series("validation", epoch,
                    epochs.stream().mapToDouble(m -> Checks.finite("validation loss of epoch " + m.epoch(),
                            m.validationLoss())).toArray()));
            accuracy.add(new LineChart.Series("validation", epoch, epochs.stream().mapToDouble(m -> 100 * accuracy(
                    "validation accuracy of epoch " + m.epoch(), m.validationAccuracy())).toArray()));
        }
        return new LineChart("Training: loss and accuracy per epoch", "epoch", List.of(
                new LineChart.Panel("loss (mean cross-entropy)", loss),
                new LineChart.Panel("accuracy (%)", accuracy)));
    }

    /** True when every row has test columns, false when none has (NaN: no test set); else throws. */
    private static boolean hasTestSet(List<EpochMetrics> epochs) {
        EpochMetrics first = epochs.get(0);
        boolean hasTest = !Double.isNaN(first.testLoss());
        for (EpochMetrics m : epochs) {
            boolean noTest = Double.isNaN(m.testLoss()) && Double.isNaN(m.testAccuracy());
            if (hasTest ? !Double.isFinite(m.testLoss()) || Double.isNaN(m.testAccuracy()) : !noTest) {
                throw new IllegalArgumentException("epoch " + m.epoch() + " has test loss " + m.testLoss()
                        + " and test accuracy " + m.testAccuracy() + ", epoch " + first.epoch() + " test loss "
                        + first.testLoss() + "; expected finite test columns in every epoch, or NaN in every"
                        + " epoch (no test set)");
            }
            if (hasTest) {
                accuracy("test accuracy of epoch " + m.epoch(), m.testAccuracy());
            }
        }
        return hasTest;
    }

    private static double accuracy(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be a fraction in [0, 1], got " + value);
        }
        return value;
    }

    static GroupedBarChart layerMemoryChart(List<LayerMemoryRow> layers) {
        Checks.notEmpty("layers", layers);
        List<String> categories = new ArrayList<>();
        List<Double> used = new ArrayList<>();
        List<Double> im2col = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerMemoryRow row = Checks.notNull("layers[" + i + "]", layers.get(i));
            Checks.text("name of layers[" + i + "]", row.layer());
            if (row.workspaceBytes() < 0 || row.im2colWorkspaceBytes() < 0) {
                throw new IllegalArgumentException("layer '" + row.layer() + "' has workspace " + row.workspaceBytes()
                        + " bytes and im2col workspace " + row.im2colWorkspaceBytes() + " bytes; expected >= 0");
            }
            names.add(row.layer());
            if (row.workspaceBytes() > 0 || row.im2colWorkspaceBytes() > 0) {
                categories.add(row.layer() + " (" + row.algorithm() + ")");
                used.add(row.workspaceBytes() / MIB);
                im2col.add(row.im2colWorkspaceBytes() / MIB);
            }
        }
        Checks.distinct("layer names (one row per layer; on Spark, one executor's rows)", names);
        String title = "Convolution workspace per layer: algorithm in use against im2col";
        return new GroupedBarChart(categories.isEmpty() ? title + " (no convolution layer)" : title,
                "layer (algorithm in use)", categories, GroupedBarChart.Scale.LINEAR, List.of(
                new GroupedBarChart.Panel("workspace (MiB)", List.of(
                        new GroupedBarChart.Series("in use", toArray(used)),
                        new GroupedBarChart.Series("im2col would need", toArray(im2col))))));
    }

    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
