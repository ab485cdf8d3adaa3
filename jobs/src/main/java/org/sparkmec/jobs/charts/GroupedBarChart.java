package org.sparkmec.jobs.charts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * A grouped bar chart: one group of bars per category (e.g. a layer), one bar per named series in each
 * group (e.g. an algorithm), each bar labelled with its value to three significant digits. Panels stacked
 * above each other share the categories, each with its own value axis; a series name keeps its colour in
 * every panel and appears once in the legend.
 *
 * <p>A NaN value draws no bar (a measurement that is missing); so does a value {@code <= 0} on a
 * {@link Scale#LOG} axis, which cannot show it. A chart without categories draws its panels with the
 * message "no data".
 *
 * @param title             the chart's title
 * @param categoryAxisLabel the category axis's label
 * @param categories        the groups, left to right, distinct; may be empty
 * @param scale             the value axes' scale
 * @param panels            at least one, top to bottom
 */
public record GroupedBarChart(String title, String categoryAxisLabel, List<String> categories, Scale scale,
                              List<Panel> panels) {

    /** How values map to bar heights. */
    public enum Scale {
        /** Heights proportional to values, from zero. */
        LINEAR,
        /**
         * Base-10 logarithmic, ticks at powers of ten: equal ratios give equal steps, for values over several
         * orders of magnitude.
         */
        LOG
    }

    /**
     * One panel of the chart.
     *
     * @param valueAxisLabel the panel's value axis label, with its unit
     * @param series         at least one, with distinct names
     */
    public record Panel(String valueAxisLabel, List<Series> series) {
        public Panel {
            Checks.text("panel value axis label", valueAxisLabel);
            series = List.copyOf(Checks.notEmpty("series of panel '" + valueAxisLabel + "'", series));
            Checks.distinct("series names of panel '" + valueAxisLabel + "'",
                    series.stream().map(Series::name).toList());
        }
    }

    /**
     * One named series: {@code values[i]} is its bar in category {@code i}; finite, or NaN for no bar. The
     * array is copied.
     */
    public record Series(String name, double[] values) {
        public Series {
            Checks.text("series name", name);
            Checks.notNull("values of series '" + name + "'", values);
            for (int i = 0; i < values.length; i++) {
                if (Double.isInfinite(values[i])) {
                    throw new IllegalArgumentException("value " + i + " of series '" + name + "' must be finite"
                            + " or NaN (no bar), got " + values[i]);
                }
            }
            values = values.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }
    }

    public GroupedBarChart {
        Checks.text("chart title", title);
        Checks.text("category axis label", categoryAxisLabel);
        categories = List.copyOf(Checks.distinct("categories of chart '" + title + "'",
                Checks.notNull("categories of chart '" + title + "'", categories)));
        Checks.notNull("scale of chart '" + title + "'", scale);
        panels = List.copyOf(Checks.notEmpty("panels of chart '" + title + "'", panels));
        for (Panel panel : panels) {
            for (Series s : panel.series()) {
                if (s.values.length != categories.size()) {
                    throw new IllegalArgumentException("series '" + s.name() + "' of panel '"
                            + panel.valueAxisLabel() + "' has " + s.values.length + " values; expected one per"
                            + " category, " + categories.size() + " " + categories);
                }
            }
        }
    }

    /** Writes the chart as a PNG to {@code target}, atomically; see {@link Png#write}. */
    public void writePng(Path target) throws IOException {
        Checks.notNull("PNG path", target);
        Png.write(target, this::toJFreeChart);
    }

    private JFreeChart toJFreeChart() {
        List<String> names = panels.stream().flatMap(p -> p.series().stream()).map(Series::name).distinct().toList();
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(
                ChartStyle.style(new CategoryAxis(categoryAxisLabel)));
        plot.setGap(12);
        for (Panel panel : panels) {
            plot.add(panel(panel, names));
        }
        return ChartStyle.chart(title, plot, names);
    }

    private CategoryPlot panel(Panel panel, List<String> names) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        BarRenderer renderer = new BarRenderer();
        for (Series s : panel.series()) {
            int index = data.getRowCount();
            for (int i = 0; i < categories.size(); i++) {
                double v = s.values[i];
                boolean drawn = !Double.isNaN(v) && (scale == Scale.LINEAR || v > 0);
                data.addValue(drawn ? Double.valueOf(v) : null, s.name(), categories.get(i));
            }
            renderer.setSeriesPaint(index, ChartStyle.color(names.indexOf(s.name())));
        }
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator(
                StandardCategoryItemLabelGenerator.DEFAULT_LABEL_FORMAT_STRING, ChartStyle.significantDigits()));
        renderer.setDefaultItemLabelFont(ChartStyle.VALUE_FONT);
        renderer.setDefaultItemLabelsVisible(true);
        // Vertical labels above the bars: they never overlap their neighbours, however many bars there are.
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12,
                TextAnchor.CENTER_LEFT, TextAnchor.CENTER_LEFT, -Math.PI / 2));
        renderer.setIncludeBaseInRange(scale == Scale.LINEAR);
        CategoryPlot bars = new CategoryPlot(data, null, valueAxis(panel), renderer);
        bars.setNoDataMessage("no data");
        ChartStyle.style(bars);
        return bars;
    }

    private ValueAxis valueAxis(Panel panel) {
        if (scale == Scale.LOG) {
            LogAxis log = ChartStyle.style(new LogAxis(panel.valueAxisLabel()));
            log.setNumberFormatOverride(ChartStyle.significantDigits());
            log.setTickUnit(new NumberTickUnit(1), false, false);
            log.setAutoTickUnitSelection(false, false);
            double[] positive = panel.series().stream().flatMapToDouble(s -> Arrays.stream(s.values))
                    .filter(v -> v > 0).toArray();
            if (positive.length > 0) {
                log.setRange(logRange(Arrays.stream(positive).min().getAsDouble(),
                        Arrays.stream(positive).max().getAsDouble()));
            }
            return log;
        }
        NumberAxis linear = ChartStyle.style(new NumberAxis(panel.valueAxisLabel()));
        linear.setNumberFormatOverride(ChartStyle.significantDigits());
        linear.setUpperMargin(0.2);
        return linear;
    }

    /**
     * The log axis range for positive values from {@code min} to {@code max}: from the power of ten at or
     * below {@code min} (the bars' base; a hair below it, so that rounding cannot drop its tick) to a fifth
     * of the axis above {@code max} (room for the value labels), and at least one decade, so that two powers
     * of ten are ticked.
     */
    static Range logRange(double min, double max) {
        double lower = Math.pow(10, Math.floor(Math.log10(min)));
        double decades = Math.max(1, Math.log10(max / lower));
        return new Range(lower * (1 - 1e-9), Math.max(10 * lower, max * Math.pow(10, decades / 4)));
    }
}
