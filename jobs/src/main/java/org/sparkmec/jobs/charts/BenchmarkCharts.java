package org.sparkmec.jobs.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The charts of the layer benchmark, beside its {@code layers.csv}; layers and algorithms appear in the
 * order of their first point, and a layer x algorithm without a point has no bar:
 * <ul>
 *   <li>{@value #TIME_PNG}: time per layer, one bar per algorithm, in milliseconds on a log scale (layers
 *       differ by orders of magnitude, and a ratio between algorithms reads the same in every group); one
 *       panel per pass present, "forward" above "backward";</li>
 *   <li>{@value #MEMORY_PNG}: workspace per layer, one bar per algorithm, in MiB (2^20 bytes) on a log
 *       scale: the largest workspace over the passes (what the layer needs); a workspace of 0 bytes has no
 *       bar.</li>
 * </ul>
 */
public final class BenchmarkCharts {
    /** Time per layer and pass. */
    public static final String TIME_PNG = "bench_time.png";
    /** Workspace per layer. */
    public static final String MEMORY_PNG = "bench_memory.png";

    private static final List<String> PASSES = List.of("forward", "backward");
    private static final double MIB = 1024.0 * 1024.0;

    private BenchmarkCharts() {
    }

    /**
     * One measurement, already aggregated over runs and executors by the caller.
     *
     * @param layer          the layer's name (e.g. cv1)
     * @param algorithm      the algorithm's name (e.g. mec, im2col)
     * @param pass           "forward" or "backward"
     * @param millis         the time of one call, milliseconds, finite and {@code > 0}
     * @param workspaceBytes the workspace the call allocated, bytes, {@code >= 0}
     * @throws IllegalArgumentException naming the value and the rule broken
     */
    public record Point(String layer, String algorithm, String pass, double millis, long workspaceBytes) {
        public Point {
            Checks.text("benchmark point layer", layer);
            Checks.text("algorithm of layer " + layer, algorithm);
            String which = layer + " " + algorithm + " " + pass;
            if (!PASSES.contains(pass)) {
                throw new IllegalArgumentException("pass of " + layer + " " + algorithm + " must be one of " + PASSES
                        + ", got " + (pass == null ? "null" : "'" + pass + "'"));
            }
            if (!(millis > 0) || Double.isInfinite(millis)) {
                throw new IllegalArgumentException("time of " + which + " must be finite and > 0 ms, got " + millis);
            }
            if (workspaceBytes < 0) {
                throw new IllegalArgumentException("workspace of " + which + " must be >= 0 bytes, got "
                        + workspaceBytes);
            }
        }
    }

    /**
     * Writes {@value #TIME_PNG} and {@value #MEMORY_PNG} into {@code outDir} (created if missing), each
     * atomically: a reader sees the previous file or the whole new one.
     *
     * @param points at least one, no two with the same layer, algorithm and pass
     * @throws IllegalArgumentException naming the value and the rule broken, before anything is written
     * @throws UncheckedIOException     when a file cannot be written or the JDK finds no font to draw text
     */
    public static void write(List<Point> points, Path outDir) {
        Checks.notEmpty("benchmark points", points);
        Set<List<String>> seen = new HashSet<>();
        for (int i = 0; i < points.size(); i++) {
            Point p = Checks.notNull("benchmark points[" + i + "]", points.get(i));
            if (!seen.add(List.of(p.layer(), p.algorithm(), p.pass()))) {
                throw new IllegalArgumentException("two benchmark points for layer " + p.layer() + ", algorithm "
                        + p.algorithm() + ", pass " + p.pass() + "; expected one per layer x algorithm x pass"
                        + " (aggregate them first)");
            }
        }
        Checks.notNull("output folder", outDir);
        GroupedBarChart time = timeChart(points);
        GroupedBarChart memory = memoryChart(points);
        try {
            time.writePng(outDir.resolve(TIME_PNG));
            memory.writePng(outDir.resolve(MEMORY_PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark charts into " + outDir, e);
        }
    }

    static GroupedBarChart timeChart(List<Point> points) {
        List<String> layers = distinct(points.stream().map(Point::layer).toList());
        List<String> algorithms = distinct(points.stream().map(Point::algorithm).toList());
        List<GroupedBarChart.Panel> panels = new ArrayList<>();
        for (String pass : PASSES) {
            List<Point> ofPass = points.stream().filter(p -> p.pass().equals(pass)).toList();
            if (ofPass.isEmpty()) {
                continue;
            }
            List<GroupedBarChart.Series> series = new ArrayList<>();
            for (String algorithm : algorithms) {
                double[] millis = new double[layers.size()];
                Arrays.fill(millis, Double.NaN);
                for (Point p : ofPass) {
                    if (p.algorithm().equals(algorithm)) {
                        millis[layers.indexOf(p.layer())] = p.millis();
                    }
                }
                series.add(new GroupedBarChart.Series(algorithm, millis));
            }
            panels.add(new GroupedBarChart.Panel(pass + " time (ms)", series));
        }
        return new GroupedBarChart("Time per layer and pass (ms, log scale)", "layer", layers,
                GroupedBarChart.Scale.LOG, panels);
    }

    static GroupedBarChart memoryChart(List<Point> points) {
        List<String> layers = distinct(points.stream().map(Point::layer).toList());
        List<GroupedBarChart.Series> series = new ArrayList<>();
        for (String algorithm : distinct(points.stream().map(Point::algorithm).toList())) {
            double[] mib = new double[layers.size()];
            Arrays.fill(mib, Double.NaN);
            for (Point p : points) {
                int i = layers.indexOf(p.layer());
                if (p.algorithm().equals(algorithm) && !(mib[i] >= p.workspaceBytes() / MIB)) {
                    mib[i] = p.workspaceBytes() / MIB;
                }
            }
            series.add(new GroupedBarChart.Series(algorithm, mib));
        }
        return new GroupedBarChart("Workspace per layer, largest over the passes (MiB, log scale)", "layer", layers,
                GroupedBarChart.Scale.LOG, List.of(new GroupedBarChart.Panel("workspace (MiB)", series)));
    }

    private static List<String> distinct(List<String> names) {
        return names.stream().distinct().toList();
    }
}
