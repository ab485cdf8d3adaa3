package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LayerMemoryRow;

class TrainingChartsTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** {@code n} epochs of a run that learns; test columns NaN when {@code withTest} is false. */
    private static List<EpochMetrics> epochs(int n, boolean withTest) {
        List<EpochMetrics> rows = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            double loss = 2.3 / (1 + 0.7 * e);
            rows.add(new EpochMetrics(e, 100L * e, loss, 1 - loss / 2.5, withTest ? loss * 1.1 : Double.NaN,
                    withTest ? 1 - loss / 2.3 : Double.NaN, 1500 + e));
        }
        return rows;
    }

    private static LayerMemoryRow layer(String name, String type, String algorithm, long workspace, long im2col) {
        return new LayerMemoryRow(name, type, algorithm, 1000, 1000, 5000, workspace, im2col, 9000);
    }

    private static final List<LayerMemoryRow> LENET = List.of(
            layer("conv1", "conv2d", "mec", 3 * MIB + 123, 5 * MIB),
            layer("relu2", "relu", "-", 0, 0),
            layer("conv2", "conv2d", "im2col", 4 * MIB, 4 * MIB),
            layer("fc1", "dense", "-", 0, 0));

    @Test
    void writesBothCharts() throws IOException {
        TrainingCharts.write(epochs(7, true), LENET, dir.resolve("run"));
        ChartImages.assertChart(dir.resolve("run").resolve(TrainingCharts.TRAINING_PNG), 2);
        ChartImages.assertChart(dir.resolve("run").resolve(TrainingCharts.LAYER_MEMORY_PNG), 2);
        assertEquals(List.of("layer_memory.png", "training.png"), ChartImages.entries(dir.resolve("run")));
    }

    @Test
    void writesWithoutTestSetAndWithoutConvolution() throws IOException {
        TrainingCharts.write(epochs(1, false), List.of(layer("fc1", "dense", "-", 0, 0)), dir);
        ChartImages.assertChart(dir.resolve(TrainingCharts.TRAINING_PNG), 1);
        ChartImages.assertChart(dir.resolve(TrainingCharts.LAYER_MEMORY_PNG), 0);
        assertEquals(List.of("layer_memory.png", "training.png"), ChartImages.entries(dir));
    }

    @Test
    void replacesTheChartsOfAnEarlierRun() throws IOException {
        Files.writeString(dir.resolve(TrainingCharts.TRAINING_PNG), "older");
        Files.writeString(dir.resolve(TrainingCharts.LAYER_MEMORY_PNG), "older");
        TrainingCharts.write(epochs(3, true), LENET, dir);
        ChartImages.assertChart(dir.resolve(TrainingCharts.TRAINING_PNG), 2);
        ChartImages.assertChart(dir.resolve(TrainingCharts.LAYER_MEMORY_PNG), 2);
    }

    @Test
    void rejectsBadInputBeforeWriting() {
        List<EpochMetrics> mixed = List.of(new EpochMetrics(1, 10, 1, 0.5, 0.75, 0.5, 100),
                new EpochMetrics(2, 20, 0.5, 0.7, Double.NaN, Double.NaN, 100));
        List<EpochMetrics> backwards = List.of(epochs(2, true).get(1), epochs(2, true).get(0));
        List<EpochMetrics> diverged = List.of(new EpochMetrics(1, 10, Double.NaN, 0.1, 1, 0.1, 100));
        List<EpochMetrics> percent = List.of(new EpochMetrics(1, 10, 1, 0.5, 1, 85, 100));
        assertEquals("epochs must hold at least one element, got an empty list", message(List.of(), LENET, dir));
        assertEquals("layers must hold at least one element, got null", message(epochs(2, true), null, dir));
        assertEquals("output folder must not be null", message(epochs(2, true), LENET, null));
        assertEquals("epoch 2 has test loss NaN and test accuracy NaN, epoch 1 test loss 0.75;"
                + " expected finite test columns in every epoch, or NaN in every epoch (no test set)",
                message(mixed, LENET, dir));
        assertEquals("epochs[1] is epoch 1 after epoch 2; epoch numbers must increase", message(backwards, LENET, dir));
        assertEquals("train loss of epoch 1 must be a finite number, got NaN", message(diverged, LENET, dir));
        assertEquals("test accuracy of epoch 1 must be a fraction in [0, 1], got 85.0", message(percent, LENET, dir));
        assertEquals("layer 'conv1' has workspace -1 bytes and im2col workspace 5 bytes; expected >= 0",
                message(epochs(1, true), List.of(layer("conv1", "conv2d", "mec", -1, 5)), dir));
        List<LayerMemoryRow> twoExecutors = new ArrayList<>(LENET);
        twoExecutors.addAll(LENET);
        assertEquals("layer names (one row per layer; on Spark, one executor's rows) must be distinct, got [conv1,"
                + " relu2, conv2, fc1, conv1, relu2, conv2, fc1]", message(epochs(1, true), twoExecutors, dir));
        assertEquals(List.of(), uncheckedEntries());
    }

    @Test
    void reportsAFolderThatCannotBeCreated() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> TrainingCharts.write(epochs(1, true), LENET, file));
        assertEquals("cannot write the training charts into " + file, e.getMessage());
    }

    private List<String> uncheckedEntries() {
        try {
            return ChartImages.entries(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String message(List<EpochMetrics> epochs, List<LayerMemoryRow> layers, Path out) {
        return assertThrows(IllegalArgumentException.class, () -> TrainingCharts.write(epochs, layers, out))
                .getMessage();
    }
}
