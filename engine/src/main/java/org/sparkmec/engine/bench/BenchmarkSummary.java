package org.sparkmec.engine.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Side-by-side ratios from one benchmark run: per layer, im2col time / MEC time for each pass,
 * im2col workspace / MEC workspace, and MEC's forward GFLOP/s as a share of the sgemm ceiling.
 */
public final class BenchmarkSummary {
    private BenchmarkSummary() {
    }

    /** Renders {@code rows} as an aligned text table (with the MEC path column). */
    public static String table(List<BenchmarkRow> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %-5s %-7s %-9s %5s %11s %9s %16s %4s%n", "layer", "backend",
                "algorithm", "pass", "batch", "median_ms", "gflops", "workspace_bytes", "path"));
        for (BenchmarkRow r : rows) {
            sb.append(String.format(Locale.ROOT, "%-10s %-5s %-9s %-9s %5d %11.3f %9.2f %16d %4s%n", r.layer(),
                    r.backend(), r.algorithm(), r.pass(), r.batch(), r.medianMs(), r.gflops(), r.workspaceBytes(),
                    r.path()));
        }
        return sb.toString();
    }

    /**
     * Per layer: {@code mecAlgorithm} against {@code im2col}. Layers lacking either are skipped.
     *
     * @param ceilingGflops the sgemm ceiling of the same run, or NaN if not measured
     */
    public static String ratios(List<BenchmarkRow> rows, String mecAlgorithm, double ceilingGflops) {
        Map<String, List<BenchmarkRow>> byLayer = new LinkedHashMap<>();
        for (BenchmarkRow r : rows) {
            byLayer.computeIfAbsent(r.layer(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %13s %14s %15s %14s%n", "layer", "fwd_speedup", "bwd_speedup",
                "workspace_ratio", "fwd_%_ceiling"));
        int fwdWins = 0;
        int bwdNoSlower = 0;
        int layers = 0;
        for (var e : byLayer.entrySet()) {
            Optional<BenchmarkRow> mf = find(e.getValue(), mecAlgorithm, "forward");
            Optional<BenchmarkRow> cf = find(e.getValue(), "im2col", "forward");
            Optional<BenchmarkRow> mb = find(e.getValue(), mecAlgorithm, "backward");
            Optional<BenchmarkRow> cb = find(e.getValue(), "im2col", "backward");
            if (mf.isEmpty() && mb.isEmpty() || cf.isEmpty() && cb.isEmpty()) {
                continue;
            }
            layers++;
            double fwd = mf.isPresent() && cf.isPresent() ? cf.get().medianMs() / mf.get().medianMs() : Double.NaN;
            double bwd = mb.isPresent() && cb.isPresent() ? cb.get().medianMs() / mb.get().medianMs() : Double.NaN;
            double ws = mf.isPresent() && cf.isPresent() && mf.get().workspaceBytes() > 0
                    ? (double) cf.get().workspaceBytes() / mf.get().workspaceBytes() : Double.NaN;
            double share = mf.map(r -> 100 * r.gflops() / ceilingGflops).orElse(Double.NaN);
            fwdWins += fwd > 1 ? 1 : 0;
            bwdNoSlower += bwd >= 1 ? 1 : 0;
            sb.append(String.format(Locale.ROOT, "%-8s %13s %14s %15s %14s%n", e.getKey(), times(fwd), times(bwd),
                    times(ws), Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", share)));
        }
        sb.append(String.format(Locale.ROOT, "%s forward faster than im2col on %d of %d layers; backward no slower on %d of %d%n",
                mecAlgorithm, fwdWins, layers, bwdNoSlower, layers));
        return sb.toString();
    }

    private static String times(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static Optional<BenchmarkRow> find(List<BenchmarkRow> rows, String algorithm, String pass) {
        return rows.stream().filter(r -> r.algorithm().equals(algorithm) && r.pass().equals(pass)).findFirst();
    }
}
