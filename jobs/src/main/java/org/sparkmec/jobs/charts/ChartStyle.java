package org.sparkmec.jobs.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.math.BigDecimal;
import java.math.MathContext;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;

/**
 * The look shared by this package's charts: white background, light grey grid, one colour per series name
 * (the same in every panel), one legend entry per name, and numbers with three significant digits.
 */
final class ChartStyle {
    /** Okabe and Ito's colour-blind-safe palette, without its yellow (unreadable on white). */
    private static final List<Color> PALETTE = List.of(new Color(0x0072B2), new Color(0xD55E00),
            new Color(0x009E73), new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), Color.BLACK);
    private static final Color GRID = new Color(0xDDDDDD);
    static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    static final Font VALUE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font AXIS_LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font TICK_LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private ChartStyle() {
    }

    /** The colour of the series whose name comes {@code index}-th (0-based) in the chart's legend. */
    static Color color(int index) {
        return PALETTE.get(index % PALETTE.size());
    }

    /** Axis label and tick label fonts; returns {@code axis}. */
    static <A extends Axis> A style(A axis) {
        axis.setLabelFont(AXIS_LABEL_FONT);
        axis.setTickLabelFont(TICK_LABEL_FONT);
        return axis;
    }

    /** White panel with a light grey grid. */
    static void style(XYPlot panel) {
        panel.setBackgroundPaint(Color.WHITE);
        panel.setDomainGridlinePaint(GRID);
        panel.setRangeGridlinePaint(GRID);
        panel.setDomainGridlineStroke(new BasicStroke(1f));
        panel.setRangeGridlineStroke(new BasicStroke(1f));
    }

    /** White panel with a light grey grid along the value axis. */
    static void style(CategoryPlot panel) {
        panel.setBackgroundPaint(Color.WHITE);
        panel.setRangeGridlinePaint(GRID);
        panel.setRangeGridlineStroke(new BasicStroke(1f));
    }

    /**
     * The chart around {@code plot}: title above, legend below with one entry per name of {@code seriesNames}
     * (in that order, coloured by {@link #color}), white background.
     */
    static JFreeChart chart(String title, Plot plot, List<String> seriesNames) {
        LegendItemCollection legend = new LegendItemCollection();
        for (int i = 0; i < seriesNames.size(); i++) {
            legend.add(new LegendItem(seriesNames.get(i), color(i)));
        }
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, false);
        LegendTitle legendTitle = new LegendTitle(() -> legend);
        legendTitle.setPosition(RectangleEdge.BOTTOM);
        legendTitle.setItemFont(AXIS_LABEL_FONT);
        chart.addLegend(legendTitle);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * Formats numbers to three significant digits in plain notation without grouping: 1234 as 1230, 0.012345
     * as 0.0123, 2 as 2. Formatting only; {@code parse} is not supported.
     */
    static NumberFormat significantDigits() {
        return new SignificantDigitsFormat();
    }

    private static final class SignificantDigitsFormat extends NumberFormat {
        private static final MathContext DIGITS = new MathContext(3);

        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            if (!Double.isFinite(number)) {
                return toAppendTo.append(number);
            }
            return toAppendTo.append(BigDecimal.valueOf(number).round(DIGITS).stripTrailingZeros().toPlainString());
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return format((double) number, toAppendTo, pos);
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            throw new UnsupportedOperationException("chart number format: formatting only");
        }
    }
}
