package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkmec.engine.train.LayerMemoryRow;

/**
 * One line of the Spark trainer's {@code layer_memory.csv}: a layer's memory on one executor, the
 * in-process trainer's columns plus {@code executor}. Where several workers ran on one executor (one
 * engine each), the executor's numbers are the sums over its engines (each holds its own weights,
 * activations and workspace), and {@code algorithm} lists the algorithms the engines chose.
 */
public record ExecutorLayerMemory(String executor, LayerMemoryRow row) implements Serializable {

    public static final String CSV_HEADER = LayerMemoryRow.CSV_HEADER + ",executor";

    public String toCsv() {
        return row.toCsv() + "," + executor;
    }

    /** Per executor and layer (executors in first-seen order, layers in network order). */
    public static List<ExecutorLayerMemory> byExecutor(List<WorkerReport> reports) {
        Map<String, List<LayerMemoryRow>> perExecutor = new LinkedHashMap<>();
        for (WorkerReport r : reports) {
            List<LayerMemoryRow> acc = perExecutor.get(r.executorId());
            if (acc == null) {
                perExecutor.put(r.executorId(), new ArrayList<>(r.layers()));
                continue;
            }
            for (int i = 0; i < acc.size(); i++) {
                acc.set(i, add(acc.get(i), r.layers().get(i)));
            }
        }
        List<ExecutorLayerMemory> out = new ArrayList<>();
        perExecutor.forEach((executor, rows) -> rows.forEach(row -> out.add(new ExecutorLayerMemory(executor, row))));
        return out;
    }

    private static LayerMemoryRow add(LayerMemoryRow a, LayerMemoryRow b) {
        String algorithm = a.algorithm().equals(b.algorithm()) || a.algorithm().contains(b.algorithm())
                ? a.algorithm() : a.algorithm() + "/" + b.algorithm();
        return new LayerMemoryRow(a.layer(), a.type(), algorithm, a.weightsBytes() + b.weightsBytes(),
                a.gradientsBytes() + b.gradientsBytes(), a.activationsBytes() + b.activationsBytes(),
                a.workspaceBytes() + b.workspaceBytes(), a.im2colWorkspaceBytes() + b.im2colWorkspaceBytes(),
                a.peakBytes() + b.peakBytes());
    }

    /** A table per layer of the max and the sum over executors (MiB), for the driver's log. */
    public static String summaryTable(List<ExecutorLayerMemory> rows) {
        Map<String, long[]> perLayer = new LinkedHashMap<>();
        java.util.Set<String> executors = new java.util.LinkedHashSet<>();
        for (ExecutorLayerMemory m : rows) {
            executors.add(m.executor());
            long[] acc = perLayer.computeIfAbsent(m.row().layer(), k -> new long[6]);
            LayerMemoryRow r = m.row();
            acc[0] = Math.max(acc[0], r.workspaceBytes());
            acc[1] += r.workspaceBytes();
            acc[2] = Math.max(acc[2], r.activationsBytes());
            acc[3] += r.activationsBytes();
            acc[4] = Math.max(acc[4], r.peakBytes());
            acc[5] += r.peakBytes();
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "per-layer memory over %d executor(s), MiB (max over executors / sum):%n%-10s %19s %19s %19s%n",
                executors.size(), "layer", "workspace", "activations", "peak"));
        perLayer.forEach((layer, a) -> sb.append(String.format(Locale.ROOT, "%-10s %9.2f / %7.2f %9.2f / %7.2f %9.2f / %7.2f%n",
                layer, mib(a[0]), mib(a[1]), mib(a[2]), mib(a[3]), mib(a[4]), mib(a[5]))));
        return sb.toString();
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
