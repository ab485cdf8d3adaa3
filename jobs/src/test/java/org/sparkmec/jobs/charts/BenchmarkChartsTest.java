package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.jobs.charts.BenchmarkCharts.Point;

class BenchmarkChartsTest {
    @TempDir
    Path dir;

    /** Layers whose times and workspaces span orders of magnitude, as the MEC paper's cv1..cv12 do. */
    private static List<Point> points(List<String> passes) {
        List<Point> points = new ArrayList<>();
        String[] layers = {"cv1", "cv4", "cv7", "cv12"};
        for (int l = 0; l < layers.length; l++) {
            double scale = Math.pow(10, 2 - l);
            for (String pass : passes) {
                double passFactor = pass.equals("forward") ? 1 : 2.2;
                points.add(new Point(layers[l], "mec", pass, 3.1 * scale * passFactor, (long) (4e6 * scale)));
                points.add(new Point(layers[l], "im2col", pass, 4.7 * scale * passFactor, (long) (9e6 * scale)));
            }
        }
        return points;
    }

    @Test
    void writesTimeAndMemoryCharts() throws IOException {
        BenchmarkCharts.write(points(List.of("forward", "backward")), dir);
        ChartImages.assertChart(dir.resolve(BenchmarkCharts.TIME_PNG), 2);
        ChartImages.assertChart(dir.resolve(BenchmarkCharts.MEMORY_PNG), 2);
        assertEquals(List.of("bench_memory.png", "bench_time.png"), ChartImages.entries(dir));
    }

    @Test
    void drawsOnePanelPerPassPresent() {
        assertEquals(List.of("backward time (ms)"), BenchmarkCharts.timeChart(points(List.of("backward"))).panels()
                .stream().map(GroupedBarChart.Panel::valueAxisLabel).toList());
        assertEquals(List.of("forward time (ms)", "backward time (ms)"), BenchmarkCharts.timeChart(
                points(List.of("backward", "forward"))).panels().stream()
                .map(GroupedBarChart.Panel::valueAxisLabel).toList());
    }

    @Test
    void chartsTheLargestWorkspaceOverThePassesAndLeavesGaps() {
        List<Point> points = List.of(new Point("cv1", "mec", "forward", 1, 1 << 20),
                new Point("cv1", "mec", "backward", 2, 3 << 20), new Point("cv2", "im2col", "forward", 1, 1 << 21));
        GroupedBarChart memory = BenchmarkCharts.memoryChart(points);
        assertEquals(List.of("cv1", "cv2"), memory.categories());
        List<GroupedBarChart.Series> series = memory.panels().get(0).series();
        assertEquals("mec", series.get(0).name());
        assertEquals(List.of(3.0, Double.NaN), List.of(series.get(0).values()[0], series.get(0).values()[1]));
        assertEquals(List.of(Double.NaN, 2.0), List.of(series.get(1).values()[0], series.get(1).values()[1]));
    }

    @Test
    void rejectsBadInputBeforeWriting() throws IOException {
        assertEquals("time of cv1 mec forward must be finite and > 0 ms, got NaN", assertThrows(
                IllegalArgumentException.class, () -> new Point("cv1", "mec", "forward", Double.NaN, 0)).getMessage());
        assertEquals("pass of cv1 mec must be one of [forward, backward], got 'fwd'", assertThrows(
                IllegalArgumentException.class, () -> new Point("cv1", "mec", "fwd", 1, 0)).getMessage());
        assertEquals("workspace of cv1 mec forward must be >= 0 bytes, got -1", assertThrows(
                IllegalArgumentException.class, () -> new Point("cv1", "mec", "forward", 1, -1)).getMessage());
        assertEquals("algorithm of layer cv1 must be a non-blank text, got null", assertThrows(
                IllegalArgumentException.class, () -> new Point("cv1", null, "forward", 1, 0)).getMessage());
        assertEquals("benchmark points must hold at least one element, got an empty list", assertThrows(
                IllegalArgumentException.class, () -> BenchmarkCharts.write(List.of(), dir)).getMessage());
        assertEquals("output folder must not be null", assertThrows(IllegalArgumentException.class,
                () -> BenchmarkCharts.write(points(List.of("forward")), null)).getMessage());
        Point p = new Point("cv1", "mec", "forward", 1, 0);
        assertEquals("two benchmark points for layer cv1, algorithm mec, pass forward; expected one per layer x"
                        + " algorithm x pass (aggregate them first)",
                assertThrows(IllegalArgumentException.class, () -> BenchmarkCharts.write(List.of(p, p), dir))
                        .getMessage());
        assertEquals(List.of(), ChartImages.entries(dir));
    }
}
