package org.sparkmec.engine.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Collectors;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.io.AtomicFiles;

/**
 * The results of one layer benchmark, collected from every executor that ran it, and the files they make:
 * <ul>
 *   <li>{@value #LAYERS_CSV}: {@value #CSV_HEADER}, a row per executor, layer, algorithm and pass (plus
 *       each executor's sgemm ceiling row when measured), times in milliseconds, workspace in bytes;</li>
 *   <li>{@value #ENVIRONMENT}: a {@code # run} section (Spark version, master, executor count, layers and
 *       settings), then a {@code # executor ID on HOST} section per executor (JVM, CPU or GPU model, BLAS
 *       library and core type, threads, Spark version), {@code key: value} lines;</li>
 *   <li>{@value #SUMMARY}: Markdown, see {@link BenchmarkSummary#markdown}.</li>
 * </ul>
 * Executors are ordered by id: named ones ({@code driver}, {@code in-process}) first, then numbers.
 */
public final class BenchmarkReport {
    public static final String LAYERS_CSV = "layers.csv";
    public static final String ENVIRONMENT = "environment.txt";
    public static final String SUMMARY = "summary.md";
    /** The columns of {@value #LAYERS_CSV}. */
    public static final String CSV_HEADER = "executor,host," + BenchmarkRow.CSV_HEADER;

    private static final Comparator<ExecutorResult> BY_EXECUTOR = Comparator
            .comparing((ExecutorResult e) -> e.executor().chars().allMatch(Character::isDigit))
            .thenComparing(e -> e.executor().chars().allMatch(Character::isDigit) ? e.executor().length() : 0)
            .thenComparing(ExecutorResult::executor);

    private final Map<String, String> run;
    private final List<ExecutorResult> executors;

    /**
     * @param run       the run's settings, in order; the first section of {@value #ENVIRONMENT} and {@value #SUMMARY}
     * @param executors one result per executor, in any order
     */
    public BenchmarkReport(Map<String, String> run, List<ExecutorResult> executors) {
        this.run = Collections.unmodifiableMap(new LinkedHashMap<>(run));
        this.executors = executors.stream().sorted(BY_EXECUTOR).toList();
    }

    /**
     * The engine's part of a run's settings, in report order: date, layers (the selection as given and the
     * layers it names), batch, warm-up and timed runs, algorithms, passes, where the direct reference ran,
     * and whether the sgemm ceiling was measured.
     */
    public static Map<String, String> describeRun(String selection, List<BenchLayer> layers,
                                                  List<BenchVariant> variants, LayerBenchmark.Settings settings,
                                                  boolean ceiling) {
        Map<String, String> run = new LinkedHashMap<>();
        run.put("date", Instant.now().toString());
        List<String> names = layers.stream().map(BenchLayer::name).toList();
        run.put("layers", selection.equals(String.join(",", names)) ? selection
                : selection + " = " + String.join(",", names));
        run.put("batch", Integer.toString(settings.batch()));
        run.put("warmup_runs", Integer.toString(settings.warmup()));
        run.put("timed_runs", settings.runs() + " (median reported)");
        run.put("algorithms", variants.stream().map(BenchVariant::name).collect(Collectors.joining(",")));
        List<String> passes = new ArrayList<>();
        if (settings.forward()) {
            passes.add("forward");
        }
        if (settings.backward()) {
            passes.add("backward (input and weight gradients)");
        }
        run.put("passes", String.join(", ", passes));
        if (variants.stream().anyMatch(v -> v.algorithm() == ConvAlgorithm.DIRECT)) {
            List<String> direct = layers.stream().filter(l -> settings.variantsFor(l, variants).size() == variants.size())
                    .map(BenchLayer::name).toList();
            run.put("direct_reference", String.format(Locale.ROOT, "on layers of at most %s GFLOP forward at batch %d: %s",
                    settings.directMaxGflop(), settings.batch(), direct.isEmpty() ? "none" : String.join(",", direct)));
        }
        run.put("sgemm_ceiling", ceiling ? "measured per executor" : "not measured");
        return run;
    }

    public Map<String, String> run() {
        return run;
    }

    /** The executors' results, ordered by executor id. */
    public List<ExecutorResult> executors() {
        return executors;
    }

    /** Whether {@code fileName} is one that a report folder holds: its files, and charts ({@code *.png}). */
    public static boolean isReportFile(String fileName) {
        return fileName.equals(LAYERS_CSV) || fileName.equals(ENVIRONMENT) || fileName.equals(SUMMARY)
                || fileName.endsWith(".png");
    }

    public String layersCsv() {
        return executors.stream()
                .flatMap(e -> e.rows().stream().map(r -> e.executor() + "," + e.host() + "," + r.toCsv()))
                .collect(Collectors.joining("\n", CSV_HEADER + "\n", "\n"));
    }

    public String environment() {
        StringBuilder sb = new StringBuilder("# run\n").append(EnvironmentReport.format(run));
        for (ExecutorResult e : executors) {
            sb.append("\n# executor ").append(e.executor()).append(" on ").append(e.host()).append('\n')
                    .append(EnvironmentReport.format(e.environment()));
        }
        return sb.toString();
    }

    public String summary() {
        return BenchmarkSummary.markdown(run, executors);
    }

    /** Per layer, algorithm and pass: medians over executors (see {@link BenchmarkSummary#medians}). */
    public List<BenchmarkSummary.Median> medians() {
        return BenchmarkSummary.medians(executors);
    }

    /** Writes {@value #LAYERS_CSV}, {@value #ENVIRONMENT} and {@value #SUMMARY} into {@code dir}, each atomically. */
    public void writeTo(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(LAYERS_CSV), layersCsv());
        AtomicFiles.writeString(dir.resolve(ENVIRONMENT), environment());
        AtomicFiles.writeString(dir.resolve(SUMMARY), summary());
    }
}
