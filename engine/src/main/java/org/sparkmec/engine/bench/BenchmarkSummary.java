package org.sparkmec.engine.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * What a benchmark's rows say, over executors: medians per layer, algorithm and pass (for tables and
 * charts), MEC against im2col as ratios with their spread across executors ({@code summary.md}), and a
 * one-line digest of a finished layer (progress).
 *
 * <p>Ratios are MEC / im2col: of the median times (below 1: MEC is faster) and of the forward pass's
 * workspace (below 1: MEC needs less). Each executor's ratio is taken from its own rows; a table gives the
 * median over executors and their range, min to max.
 */
public final class BenchmarkSummary {
    /** The algorithm that MEC is compared with. */
    public static final String BASELINE = "im2col";
    private static final String SGEMM = "sgemm";
    private static final List<String> PASSES = List.of("forward", "backward");

    private BenchmarkSummary() {
    }

    /**
     * One layer, algorithm and pass: the median over the executors that ran it.
     *
     * @param medianMs       median over executors of each executor's median time, milliseconds
     * @param workspaceBytes median over executors of the workspace, bytes
     */
    public record Median(String layer, String algorithm, String pass, double medianMs, long workspaceBytes) {
    }

    /** Per layer, algorithm and pass, in the order first measured: medians over executors (no ceiling rows). */
    public static List<Median> medians(List<ExecutorResult> executors) {
        Map<List<String>, List<BenchmarkRow>> groups = new LinkedHashMap<>();
        for (ExecutorResult e : executors) {
            for (BenchmarkRow r : e.rows()) {
                if (!r.algorithm().equals(SGEMM)) {
                    groups.computeIfAbsent(List.of(r.layer(), r.algorithm(), r.pass()), k -> new ArrayList<>()).add(r);
                }
            }
        }
        List<Median> out = new ArrayList<>();
        groups.forEach((k, rows) -> out.add(new Median(k.get(0), k.get(1), k.get(2),
                median(rows, BenchmarkRow::medianMs), Math.round(median(rows, r -> r.workspaceBytes())))));
        return out;
    }

    /**
     * The Markdown summary: the run's settings, per MEC variant a table of ratios against im2col per layer
     * (median and range over executors), the median times, the sgemm ceilings and the executors.
     *
     * @param run the run's settings, in order (spark version, master, layers, batch, ...)
     */
    public static String markdown(Map<String, String> run, List<ExecutorResult> executors) {
        StringBuilder md = new StringBuilder("# MEC layer benchmark\n\n");
        run.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        List<String> layers = layers(executors);
        List<String> algorithms = algorithms(executors);
        List<String> mecs = algorithms.stream().filter(a -> a.startsWith("mec")).toList();
        if (mecs.isEmpty() || !algorithms.contains(BASELINE)) {
            md.append("\nNo MEC against im2col table: the run measured ").append(String.join(", ", algorithms))
                    .append(".\n");
        }
        if (algorithms.contains(BASELINE)) {
            for (String mec : mecs) {
                ratioTable(md, mec, layers, executors);
            }
        }
        timesTable(md, layers, algorithms, executors);
        ceilingTable(md, executors);
        executorTable(md, executors);
        return md.toString();
    }

    /**
     * A finished layer in a few words, from one executor's rows of it: each MEC variant's time ratio to
     * im2col per pass and its solution, e.g. {@code mec/im2col forward 0.47, backward 0.62 (solution A)};
     * without im2col, the times.
     */
    public static String progressLine(List<BenchmarkRow> layerRows) {
        Map<List<String>, BenchmarkRow> byKey = index(layerRows);
        Set<String> mecs = new LinkedHashSet<>();
        layerRows.stream().map(BenchmarkRow::algorithm).filter(a -> a.startsWith("mec")).forEach(mecs::add);
        List<String> parts = new ArrayList<>();
        for (String mec : mecs) {
            List<String> ratios = new ArrayList<>();
            String solution = "-";
            for (String pass : PASSES) {
                for (BenchmarkRow m : layerRows) {
                    BenchmarkRow base = byKey.get(List.of(m.layer(), BASELINE, pass));
                    if (m.algorithm().equals(mec) && m.pass().equals(pass) && base != null) {
                        ratios.add(String.format(Locale.ROOT, "%s %.2f", pass, m.medianMs() / base.medianMs()));
                        solution = m.path();
                    }
                }
            }
            if (!ratios.isEmpty()) {
                parts.add(mec + "/" + BASELINE + " " + String.join(", ", ratios) + " (solution " + solution + ")");
            }
        }
        if (parts.isEmpty()) {
            for (BenchmarkRow r : layerRows) {
                parts.add(String.format(Locale.ROOT, "%s %s %.3f ms", r.algorithm(), r.pass(), r.medianMs()));
            }
        }
        return String.join("; ", parts);
    }

    /**
     * A progress line: {@code executor EXECUTOR (HOST): layer INDEX/COUNT LAYER: DETAIL}.
     *
     * @param detail what {@link #progressLine} says of the layer
     */
    public static String progressLine(String executor, String host, int index, int count, String layer, String detail) {
        return "executor " + executor + " (" + host + "): layer " + index + "/" + count + " " + layer + ": " + detail;
    }

    private static void ratioTable(StringBuilder md, String mec, List<String> layers, List<ExecutorResult> executors) {
        md.append("\n## ").append(mec).append(" against ").append(BASELINE).append("\n\n")
                .append("Ratios ").append(mec).append(" / ").append(BASELINE)
                .append(" (below 1: MEC is faster, or needs less workspace): median over ").append(executors.size())
                .append(executors.size() == 1 ? " executor" : " executors").append(", range min-max.\n\n")
                .append("| layer | MEC solution | forward time | forward range | backward time | backward range "
                        + "| forward workspace |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        int[] faster = new int[PASSES.size()];
        int[] compared = new int[PASSES.size()];
        for (String layer : layers) {
            String solution = "-";
            StringBuilder cells = new StringBuilder();
            double workspace = Double.NaN;
            boolean any = false;
            for (int p = 0; p < PASSES.size(); p++) {
                List<Double> ratios = new ArrayList<>();
                for (ExecutorResult e : executors) {
                    Map<List<String>, BenchmarkRow> rows = index(e.rows());
                    BenchmarkRow m = rows.get(List.of(layer, mec, PASSES.get(p)));
                    BenchmarkRow b = rows.get(List.of(layer, BASELINE, PASSES.get(p)));
                    if (m != null && b != null) {
                        ratios.add(m.medianMs() / b.medianMs());
                        solution = m.path();
                        if (p == 0 && Double.isNaN(workspace) && b.workspaceBytes() > 0) {
                            workspace = (double) m.workspaceBytes() / b.workspaceBytes();
                        }
                    }
                }
                if (ratios.isEmpty()) {
                    cells.append(" - | - |");
                    continue;
                }
                any = true;
                double median = median(ratios, Double::doubleValue);
                compared[p]++;
                faster[p] += median < 1 ? 1 : 0;
                cells.append(String.format(Locale.ROOT, " %.2f | %.2f-%.2f |", median,
                        ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                        ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
            }
            if (any) {
                md.append("| ").append(layer).append(" | ").append(solution).append(" |").append(cells)
                        .append(Double.isNaN(workspace) ? " - |" : String.format(Locale.ROOT, " %.2f |", workspace))
                        .append('\n');
            }
        }
        md.append('\n').append(mec).append(" is faster than ").append(BASELINE).append(" (median ratio below 1)");
        for (int p = 0; p < PASSES.size(); p++) {
            md.append(p == 0 ? " " : ", ").append(PASSES.get(p)).append(" on ").append(faster[p]).append(" of ")
                    .append(compared[p]).append(" layers");
        }
        md.append(".\n");
    }

    private static void timesTable(StringBuilder md, List<String> layers, List<String> algorithms,
                                   List<ExecutorResult> executors) {
        Map<List<String>, Median> medians = new LinkedHashMap<>();
        for (Median m : medians(executors)) {
            medians.put(List.of(m.layer(), m.algorithm(), m.pass()), m);
        }
        List<List<String>> columns = new ArrayList<>();
        for (String pass : PASSES) {
            for (String algorithm : algorithms) {
                if (medians.keySet().stream().anyMatch(k -> k.get(1).equals(algorithm) && k.get(2).equals(pass))) {
                    columns.add(List.of(algorithm, pass));
                }
            }
        }
        md.append("\n## Median times over executors (ms)\n\n| layer |");
        columns.forEach(c -> md.append(' ').append(c.get(0)).append(' ').append(c.get(1)).append(" |"));
        md.append("\n|---|").append("---:|".repeat(columns.size())).append('\n');
        boolean missing = false;
        for (String layer : layers) {
            md.append("| ").append(layer).append(" |");
            for (List<String> c : columns) {
                Median m = medians.get(List.of(layer, c.get(0), c.get(1)));
                missing |= m == null;
                md.append(m == null ? " - |" : String.format(Locale.ROOT, " %.3f |", m.medianMs()));
            }
            md.append('\n');
        }
        if (missing) {
            md.append("\n`-`: not run (the direct reference runs only on small layers).\n");
        }
    }

    private static void ceilingTable(StringBuilder md, List<ExecutorResult> executors) {
        List<String> lines = new ArrayList<>();
        for (ExecutorResult e : executors) {
            for (BenchmarkRow r : e.rows()) {
                if (r.algorithm().equals(SGEMM)) {
                    lines.add(String.format(Locale.ROOT, "| %s | %s | %s | %.1f |", e.executor(), e.host(), r.layer(),
                            r.gflops()));
                }
            }
        }
        if (!lines.isEmpty()) {
            md.append("\n## sgemm ceiling\n\n| executor | host | sgemm | GFLOP/s |\n|---|---|---|---:|\n");
            lines.forEach(l -> md.append(l).append('\n'));
        }
    }

    private static void executorTable(StringBuilder md, List<ExecutorResult> executors) {
        List<String> keys = List.of("backend", "cpu_model", "cpu_cores", "engine_threads", "blas_core_type",
                "gpu_model", "jvm");
        md.append("\n## Executors\n\n| executor | host |");
        keys.forEach(k -> md.append(' ').append(k).append(" |"));
        md.append("\n|---|---|").append("---|".repeat(keys.size())).append('\n');
        for (ExecutorResult e : executors) {
            md.append("| ").append(e.executor()).append(" | ").append(e.host()).append(" |");
            keys.forEach(k -> md.append(' ').append(e.environment().getOrDefault(k, "-").replace("|", "/"))
                    .append(" |"));
            md.append('\n');
        }
    }

    private static List<String> layers(List<ExecutorResult> executors) {
        Set<String> layers = new LinkedHashSet<>();
        executors.forEach(e -> e.rows().stream().filter(r -> !r.algorithm().equals(SGEMM))
                .forEach(r -> layers.add(r.layer())));
        return List.copyOf(layers);
    }

    private static List<String> algorithms(List<ExecutorResult> executors) {
        Set<String> algorithms = new LinkedHashSet<>();
        executors.forEach(e -> e.rows().stream().filter(r -> !r.algorithm().equals(SGEMM))
                .forEach(r -> algorithms.add(r.algorithm())));
        return List.copyOf(algorithms);
    }

    private static Map<List<String>, BenchmarkRow> index(List<BenchmarkRow> rows) {
        Map<List<String>, BenchmarkRow> byKey = new LinkedHashMap<>();
        rows.forEach(r -> byKey.put(List.of(r.layer(), r.algorithm(), r.pass()), r));
        return byKey;
    }

    private static <T> double median(List<T> items, ToDoubleFunction<T> value) {
        return Timing.median(items.stream().mapToDouble(value).toArray());
    }
}
