package org.sparkmec.jobs.charts;

import java.awt.BasicStroke;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A line chart: panels stacked above each other that share the x axis, each with its own y axis and
 * named series of (x, y) points, drawn as lines through marked points in the given order. A series name
 * keeps its colour in every panel and appears once in the legend, so "train" and "test" can be plotted
 * in a loss panel and an accuracy panel.
 *
 * <p>The x axis ticks are whole numbers when every x value is one (epochs); the axes fit the data
 * without forcing zero into the range, and span at least a tenth of their largest magnitude (a single
 * point or a flat line gets readable ticks). Every point is marked with a circle.
 *
 * @param title      the chart's title
 * @param xAxisLabel the shared x axis's label, with its unit
 * @param panels     at least one, top to bottom
 */
public record LineChart(String title, String xAxisLabel, List<Panel> panels) {
    /** The mark of every point: a circle of 7 pixels (series differ by colour). */
    private static final Shape POINT = new Ellipse2D.Double(-3.5, -3.5, 7, 7);

    /**
     * One panel of the chart.
     *
     * @param yAxisLabel the panel's y axis label, with its unit
     * @param series     at least one, with distinct names
     */
    public record Panel(String yAxisLabel, List<Series> series) {
        public Panel {
            Checks.text("panel y axis label", yAxisLabel);
            series = List.copyOf(Checks.notEmpty("series of panel '" + yAxisLabel + "'", series));
            Checks.distinct("series names of panel '" + yAxisLabel + "'", series.stream().map(Series::name).toList());
        }
    }

    /**
     * One named series: the points {@code (x[i], y[i])}, finite numbers, at least one point. The arrays
     * are copied.
     */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            Checks.text("series name", name);
            Checks.notNull("x values of series '" + name + "'", x);
            Checks.notNull("y values of series '" + name + "'", y);
            if (x.length == 0 || x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and "
                        + y.length + " y values; expected the same number, at least one");
            }
            for (int i = 0; i < x.length; i++) {
                Checks.finite("x[" + i + "] of series '" + name + "'", x[i]);
                Checks.finite("y[" + i + "] of series '" + name + "'", y[i]);
            }
            x = x.clone();
            y = y.clone();
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }
    }

    public LineChart {
        Checks.text("chart title", title);
        Checks.text("x axis label", xAxisLabel);
        panels = List.copyOf(Checks.notEmpty("panels of chart '" + title + "'", panels));
    }

    /** Writes the chart as a PNG to {@code target}, atomically; see {@link Png#write}. */
    public void writePng(Path target) throws IOException {
        Checks.notNull("PNG path", target);
        Png.write(target, this::toJFreeChart);
    }

    private JFreeChart toJFreeChart() {
        List<String> names = panels.stream().flatMap(p -> p.series().stream()).map(Series::name).distinct().toList();
        boolean wholeX = true;
        double largestX = 0;
        for (Panel panel : panels) {
            for (Series s : panel.series()) {
                for (double x : s.x) {
                    wholeX &= x == Math.rint(x);
                    largestX = Math.max(largestX, Math.abs(x));
                }
            }
        }
        NumberAxis xAxis = axis(xAxisLabel, largestX);
        if (wholeX) {
            xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(xAxis);
        plot.setGap(12);
        for (Panel panel : panels) {
            plot.add(panel(panel, names));
        }
        return ChartStyle.chart(title, plot, names);
    }

    private static XYPlot panel(Panel panel, List<String> names) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        double largestY = 0;
        for (Series s : panel.series()) {
            XYSeries points = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x.length; i++) {
                points.add(s.x[i], s.y[i]);
                largestY = Math.max(largestY, Math.abs(s.y[i]));
            }
            int index = data.getSeriesCount();
            data.addSeries(points);
            renderer.setSeriesPaint(index, ChartStyle.color(names.indexOf(s.name())));
            renderer.setSeriesStroke(index, new BasicStroke(2f));
            renderer.setSeriesShape(index, POINT);
        }
        XYPlot xy = new XYPlot(data, null, axis(panel.yAxisLabel(), largestY), renderer);
        ChartStyle.style(xy);
        return xy;
    }

    /**
     * An axis that fits the data without forcing zero in, and spans at least a tenth of the largest
     * magnitude on it (1 for all zeros), so that one point or a flat line gets readable ticks.
     */
    private static NumberAxis axis(String label, double largestMagnitude) {
        NumberAxis axis = ChartStyle.style(new NumberAxis(label));
        axis.setAutoRangeIncludesZero(false);
        axis.setAutoRangeMinimumSize(largestMagnitude > 0 ? largestMagnitude / 10 : 1);
        return axis;
    }
}
