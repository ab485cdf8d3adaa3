package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.data.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class GroupedBarChartTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(GroupedBarChart.Scale.class)
    void writesPanelsWithMissingAndZeroBars(GroupedBarChart.Scale scale) throws IOException {
        List<String> layers = List.of("cv1", "cv2", "cv3", "cv4");
        GroupedBarChart chart = new GroupedBarChart("bars " + scale, "layer", layers, scale, List.of(
                new GroupedBarChart.Panel("forward (ms)", List.of(
                        new GroupedBarChart.Series("mec", new double[] {1200, 35.5, 0.25, 7}),
                        new GroupedBarChart.Series("im2col", new double[] {2500, Double.NaN, 0.5, 0}))),
                new GroupedBarChart.Panel("backward (ms)", List.of(
                        new GroupedBarChart.Series("im2col", new double[] {4000, 80, 1, 14}),
                        new GroupedBarChart.Series("direct", new double[] {9000, 200, 3, 30})))));
        Path png = dir.resolve("bars.png");
        chart.writePng(png);
        ChartImages.assertChart(png, 3);
        assertEquals(List.of("bars.png"), ChartImages.entries(dir));
    }

    @Test
    void writesNoDataWithoutCategories() throws IOException {
        Path png = dir.resolve("empty.png");
        new GroupedBarChart("nothing to show", "layer", List.of(), GroupedBarChart.Scale.LINEAR, List.of(
                new GroupedBarChart.Panel("MiB", List.of(new GroupedBarChart.Series("mec", new double[0])))))
                .writePng(png);
        ChartImages.assertChart(png, 0);
    }

    @ParameterizedTest
    @CsvSource({"0.31, 1030", "2, 5", "1, 1", "0.0123, 0.0125", "1000, 1000000"})
    void logAxisStartsAtAPowerOfTenAndSpansTwoTicksAndTheLabels(double min, double max) {
        Range range = GroupedBarChart.logRange(min, max);
        double lowerExponent = Math.log10(range.getLowerBound());
        assertEquals(Math.rint(lowerExponent), lowerExponent, 1e-6, "lower bound " + range);
        assertTrue(range.getLowerBound() <= min && min < 10 * range.getLowerBound(), "lower bound " + range);
        assertTrue(range.getUpperBound() >= 10 * range.getLowerBound(), "at least one decade: " + range);
        double axisDecades = Math.log10(range.getUpperBound() / range.getLowerBound());
        assertTrue(Math.log10(range.getUpperBound() / max) >= axisDecades / 5 - 1e-6,
                "a fifth of the axis above the largest bar: " + range);
    }

    @Test
    void rejectsBadInput() {
        GroupedBarChart.Panel panel = new GroupedBarChart.Panel("ms", List.of(
                new GroupedBarChart.Series("mec", new double[] {1, 2})));
        assertEquals("series 'mec' of panel 'ms' has 2 values; expected one per category, 3 [a, b, c]",
                assertThrows(IllegalArgumentException.class, () -> new GroupedBarChart("t", "layer",
                        List.of("a", "b", "c"), GroupedBarChart.Scale.LOG, List.of(panel))).getMessage());
        assertEquals("categories of chart 't' must be distinct, got [a, a]",
                assertThrows(IllegalArgumentException.class, () -> new GroupedBarChart("t", "layer",
                        List.of("a", "a"), GroupedBarChart.Scale.LOG, List.of(panel))).getMessage());
        assertEquals("scale of chart 't' must not be null",
                assertThrows(IllegalArgumentException.class, () -> new GroupedBarChart("t", "layer",
                        List.of("a", "b"), null, List.of(panel))).getMessage());
        assertEquals("value 1 of series 'mec' must be finite or NaN (no bar), got Infinity",
                assertThrows(IllegalArgumentException.class, () -> new GroupedBarChart.Series("mec",
                        new double[] {1, Double.POSITIVE_INFINITY})).getMessage());
        assertEquals("series names of panel 'ms' must be distinct, got [mec, mec]",
                assertThrows(IllegalArgumentException.class, () -> new GroupedBarChart.Panel("ms", List.of(
                        panel.series().get(0), panel.series().get(0)))).getMessage());
    }
}
