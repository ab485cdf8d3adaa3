package org.sparkmec.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.Backends;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkRow;
import org.sparkmec.engine.bench.BenchmarkSummary;
import org.sparkmec.engine.bench.EnvironmentReport;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.config.EngineConf;
import org.sparkmec.engine.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mec bench}: the layer benchmark on this machine (MEC against im2col, plus the sgemm ceiling). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times convolution layers forward and backward, algorithm against algorithm, on this machine.",
                "Writes DIR/layers.csv (" + BenchmarkRow.CSV_HEADER + ") and DIR/environment.txt, and prints both."})
public final class BenchCommand implements Callable<Integer> {

    /**
     * The benchmark alone, for machines with the engine but no Spark on the class path (the GPU
     * machine, dev/gpu/run bench); {@code ./mec bench} goes through {@link MecMain}.
     */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
    }

    @Option(names = "--layers", split = ",", paramLabel = "NAME",
            description = "Layers to run, by name in the layer set (default: all of them).")
    List<String> layers;

    @Option(names = "--layer-set", paramLabel = "FILE", defaultValue = "conf/layers/cv.layers",
            description = "Layer-set file (default: ${DEFAULT-VALUE}).")
    Path layerSet;

    @Option(names = "--batch", defaultValue = "32", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", defaultValue = "cpu",
            description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--algorithms", split = ",", defaultValue = "mec,im2col", paramLabel = BenchVariant.ALLOWED,
            description = "Algorithms to compare (default: ${DEFAULT-VALUE}); mec-a/mec-b force a MEC solution.")
    List<String> algorithms;

    @Option(names = "--passes", split = ",", defaultValue = "forward,backward", paramLabel = "forward|backward",
            description = "Passes to time (default: ${DEFAULT-VALUE}); backward = input and weight gradients.")
    List<String> passes;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/bench",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs per measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--threads", description = "CPU threads (spark.mec.cpu.threads; default: all cores).")
    Integer threads;

    @Option(names = "--gemm-parallelism", paramLabel = "tasks|blas",
            description = "CPU GEMM parallelism (spark.mec.cpu.gemmParallelism; default: tasks).")
    String gemmParallelism;

    @Option(names = "--mec-threshold", paramLabel = "T",
            description = "MEC threshold T (spark.mec.mec.threshold; default: " + org.sparkmec.engine.conv.MecOptions.DEFAULT_CPU_THRESHOLD + ").")
    Integer threshold;

    @Option(names = "--no-ceiling", description = "Skip the sgemm-2048 ceiling row.")
    boolean noCeiling;

    @Override
    public Integer call() throws IOException {
        if (runs < 5) {
            throw new IllegalArgumentException("--runs must be at least 5 (medians of fewer runs are noise), got " + runs);
        }
        for (String p : passes) {
            if (!p.equals("forward") && !p.equals("backward")) {
                throw new IllegalArgumentException("unknown pass '" + p + "' in --passes; expected forward and/or backward");
            }
        }
        List<BenchVariant> variants = algorithms.stream().map(BenchVariant::parse).collect(Collectors.toList());
        LayerSetFile set = LayerSetFile.read(layerSet);
        List<BenchLayer> selected = layers == null ? set.all() : set.select(layers);
        EngineConf conf = EngineConf.from(settings());
        LayerBenchmark.Settings settings = new LayerBenchmark.Settings(batch, warmup, runs,
                passes.contains("forward"), passes.contains("backward"));
        try (Backend engine = Backends.create(conf)) {
            Map<String, String> extra = new HashMap<>();
            extra.put("mec_threshold_T", Integer.toString(conf.mecOptions(engine.kind()).threshold()));
            extra.put("batch", Integer.toString(batch));
            extra.put("warmup_runs", Integer.toString(warmup));
            extra.put("timed_runs", Integer.toString(runs) + " (median reported)");
            extra.put("layer_set", layerSet.toString());
            String environment = EnvironmentReport.format(EnvironmentReport.describe(engine, extra));
            System.out.print(environment);
            System.out.println();
            LayerBenchmark bench = new LayerBenchmark(engine, conf.mecOptions(engine.kind()), settings);
            List<BenchmarkRow> rows = new java.util.ArrayList<>();
            double ceiling = Double.NaN;
            if (!noCeiling) {
                BenchmarkRow row = bench.sgemmCeiling();
                ceiling = row.gflops();
                rows.add(row);
                System.out.print(BenchmarkSummary.table(List.of(row)));
            }
            rows.addAll(bench.run(selected, variants, row -> System.out.print(
                    BenchmarkSummary.table(List.of(row)).lines().skip(1).collect(Collectors.joining("\n", "", "\n")))));
            writeResults(rows, environment);
            System.out.println();
            System.out.print(BenchmarkSummary.table(rows));
            for (BenchVariant v : variants) {
                if (v.algorithm() == org.sparkmec.engine.conv.ConvAlgorithm.MEC && algorithms.contains("im2col")) {
                    System.out.println();
                    System.out.print(BenchmarkSummary.ratios(rows, v.name(), ceiling));
                }
            }
            System.out.println();
            System.out.println("wrote " + out.resolve("layers.csv") + " and " + out.resolve("environment.txt"));
        }
        return 0;
    }

    private void writeResults(List<BenchmarkRow> rows, String environment) throws IOException {
        String csv = rows.stream().map(BenchmarkRow::toCsv)
                .collect(Collectors.joining("\n", BenchmarkRow.CSV_HEADER + "\n", "\n"));
        AtomicFiles.writeString(out.resolve("layers.csv"), csv);
        AtomicFiles.writeString(out.resolve("environment.txt"), environment);
    }

    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put(EngineConf.BACKEND.key(), backend);
        CliSettings.putIfSet(s, EngineConf.CPU_THREADS.key(), threads);
        CliSettings.putIfSet(s, EngineConf.CPU_GEMM_PARALLELISM.key(), gemmParallelism);
        CliSettings.putIfSet(s, EngineConf.MEC_THRESHOLD.key(), threshold);
        return s;
    }
}
