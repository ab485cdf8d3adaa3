/**
 * PNG charts of the jobs' results: loss and accuracy per epoch, and workspace and time per layer, MEC
 * against im2col.
 *
 * <p>{@link org.sparkmec.jobs.charts.TrainingCharts} ({@code training.png}, {@code layer_memory.png}) and
 * {@link org.sparkmec.jobs.charts.BenchmarkCharts} ({@code bench_time.png}, {@code bench_memory.png}) are
 * what the jobs call. They are built on {@link org.sparkmec.jobs.charts.LineChart} (series over x, in
 * stacked panels) and {@link org.sparkmec.jobs.charts.GroupedBarChart} (bars per category and series,
 * linear or log scale), rendered off-screen with Java2D (JFreeChart), headless, at a fixed
 * {@value Png#WIDTH} x {@value Png#HEIGHT} pixels, and written atomically: a reader sees the previous file
 * or the whole new one, never a part. Text needs one font that the JDK finds through fontconfig (Debian's
 * {@code openjdk-17-jre-headless} brings one: libfontconfig1, fontconfig-config, fonts-dejavu-core).
 * A series keeps its colour in every panel of a chart; the legend names each series once.
 */
package org.sparkmec.jobs.charts;
