package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
    @TempDir
    Path dir;

    private static LineChart.Series series(String name, double... y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.5 * i;
        }
        return new LineChart.Series(name, x, y);
    }

    @Test
    void writesStackedPanelsSharingSeriesColours() throws IOException {
        LineChart chart = new LineChart("two panels", "time (s)", List.of(
                new LineChart.Panel("loss", List.of(series("a", 3, 2, 1.5), series("b", 3.5, 2.5, 2.2))),
                new LineChart.Panel("accuracy (%)", List.of(series("b", 10, 50, 70), series("c", 20, 40, 80)))));
        Path png = dir.resolve("sub").resolve("lines.png");
        chart.writePng(png);
        ChartImages.assertChart(png, 3);
        assertEquals(List.of("lines.png"), ChartImages.entries(png.getParent()));
    }

    @Test
    void writesASinglePoint() throws IOException {
        Path png = dir.resolve("one.png");
        new LineChart("one point", "epoch", List.of(new LineChart.Panel("loss", List.of(
                new LineChart.Series("train", new double[] {1}, new double[] {0.7}))))).writePng(png);
        ChartImages.assertChart(png, 1);
    }

    @Test
    void copiesItsArrays() {
        double[] y = {1, 2};
        LineChart.Series s = new LineChart.Series("a", new double[] {1, 2}, y);
        y[0] = 99;
        s.y()[1] = 99;
        assertEquals(List.of(1.0, 2.0), List.of(s.y()[0], s.y()[1]));
    }

    @Test
    void rejectsBadInput() {
        assertEquals("series 'a' has 2 x values and 1 y values; expected the same number, at least one",
                assertThrows(IllegalArgumentException.class,
                        () -> new LineChart.Series("a", new double[] {1, 2}, new double[] {1})).getMessage());
        assertEquals("y[1] of series 'a' must be a finite number, got NaN", assertThrows(IllegalArgumentException.class,
                () -> series("a", 1, Double.NaN)).getMessage());
        assertEquals("series name must be a non-blank text, got ' '", assertThrows(IllegalArgumentException.class,
                () -> series(" ", 1)).getMessage());
        assertEquals("series names of panel 'loss' must be distinct, got [a, a]",
                assertThrows(IllegalArgumentException.class,
                        () -> new LineChart.Panel("loss", List.of(series("a", 1), series("a", 2)))).getMessage());
        assertEquals("series of panel 'loss' must hold at least one element, got an empty list",
                assertThrows(IllegalArgumentException.class,
                        () -> new LineChart.Panel("loss", List.of())).getMessage());
        assertEquals("panels of chart 't' must hold at least one element, got null",
                assertThrows(IllegalArgumentException.class, () -> new LineChart("t", "x", null)).getMessage());
        LineChart chart = new LineChart("t", "x", List.of(new LineChart.Panel("y", List.of(series("a", 1)))));
        assertEquals("PNG path must not be null",
                assertThrows(IllegalArgumentException.class, () -> chart.writePng(null)).getMessage());
    }
}
