package org.sparkmec.jobs;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkReport;
import org.sparkmec.engine.bench.BenchmarkSummary;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.bench.LayerSets;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.io.StagedDirectory;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import picocli.CommandLine;
import org.sparkmec.jobs.charts.BenchmarkCharts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mec bench}: the layer benchmark on every executor of a Spark application at once
 * ({@link BenchOnSpark}), or in this process ({@code --master none}); wiring only.
 *
 * <p>This class uses no Spark type, so that {@code --master none} runs where Spark is not on the class path
 * (the GPU machine: dev/gpu/run bench): the Spark half is {@link BenchOnSpark}, loaded only for a master.
 */
@Command(name = "bench", resourceBundle = "org.sparkmec.jobs.ConfigDefaults", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times convolution layers forward and backward, MEC against im2col (and the direct reference "
                + "on small layers), on every executor of a Spark application at once (--master; local[*] by "
                + "default, whose one executor is the driver), or in this process (--master none).",
                "Writes DIR/" + BenchmarkReport.LAYERS_CSV + " (" + BenchmarkReport.CSV_HEADER + "), DIR/"
                        + BenchmarkReport.ENVIRONMENT + " (the run, then each executor) and DIR/"
                        + BenchmarkReport.SUMMARY + " (MEC / im2col per layer, median and range over executors). "
                        + "All or nothing: they are written into DIR.tmp-* and renamed to DIR at the end, replacing "
                        + "an earlier benchmark's output there."})
public final class BenchCommand implements Callable<Integer> {
    /** The {@code --master} value that runs in this process, without Spark. */
    static final String IN_PROCESS = "none";
    /** The executor name of an in-process run. */
    static final String IN_PROCESS_EXECUTOR = "in-process";

    /**
     * The benchmark alone, for machines with the engine but no Spark on the class path (the GPU machine,
     * dev/gpu/run bench, with {@code --master none}); {@code ./mec bench} goes through {@link MecMain}.
     */
    public static void main(String[] args) {
        System.exit(MecMain.execute(new CommandLine(new BenchCommand()), args));
    }

    @Spec
    CommandSpec commandSpec;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL|none",
            description = {"A Spark master: local[*] (default; its one executor is the driver, with all cores), "
                    + "local[N], local-cluster[N,C,MB], spark://host:port, yarn, k8s://URL. One task per executor, "
                    + "all at once; the driver prints a line per finished layer and executor.",
                    "none: in this process, without Spark."})
    String master;

    @Option(names = "--layers", split = ",", defaultValue = "cv", paramLabel = "SET|LAYER|FILE",
            description = {"Comma list of layer-set names (a file NAME.layers in --layer-dir: cv = the MEC paper's "
                    + "cv1-cv12, quick = four small layers, threshold-sweep), layer names from any of those sets "
                    + "(cv1,cv5,q2), or paths of .layers files. Default: ${DEFAULT-VALUE}."})
    List<String> layers;

    @Option(names = "--layer-dir", paramLabel = "DIR", defaultValue = "conf/layers",
            description = "Folder of the layer sets (default: ${DEFAULT-VALUE}).")
    Path layerDir;

    @Option(names = "--batch", defaultValue = "32", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--algorithms", split = ",", defaultValue = "mec,im2col,direct", paramLabel = BenchVariant.ALLOWED,
            description = "Algorithms to compare (default: ${DEFAULT-VALUE}); mec-a/mec-b/mec-fused force a MEC solution (mec-fused: backends with fused kernels only); "
                    + "direct runs only on layers within --direct-max-gflop.")
    List<String> algorithms;

    @Option(names = "--direct-max-gflop", paramLabel = "GFLOP", defaultValue = "" + LayerBenchmark.DEFAULT_DIRECT_MAX_GFLOP,
            description = "The direct reference (plain loops, ~2 GFLOP/s) runs only on layers whose forward pass at "
                    + "--batch is at most this many GFLOP (default: ${DEFAULT-VALUE}: none of cv1-cv12 at batch 32).")
    double directMaxGflop;

    @Option(names = "--passes", split = ",", defaultValue = "forward,backward", paramLabel = "forward|backward",
            description = "Passes to time (default: ${DEFAULT-VALUE}); backward = input and weight gradients.")
    List<String> passes;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs per measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs, at least 5; the median is reported "
            + "(default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--no-charts", description = "Skip bench_time.png and bench_memory.png (for class paths "
            + "without the charting library and java.desktop, such as dev/gpu's).")
    boolean noCharts;

    @Option(names = "--no-ceiling", description = "Skip each executor's sgemm ceiling (2048^3; 4096^3 on a GPU).")
    boolean noCeiling;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--gemm-parallelism", paramLabel = "tasks|blas",
            description = "CPU GEMM parallelism (spark.mec.cpu.gemmParallelism; default: ${bundle:spark.mec.cpu.gemmParallelism}).")
    String gemmParallelism;

    @Option(names = "--mec-threshold", paramLabel = "T",
            description = "MEC threshold T (spark.mec.mec.threshold; default: " + MecOptions.DEFAULT_CPU_THRESHOLD
                    + " on CPUs, " + MecOptions.DEFAULT_CUDA_THRESHOLD + " on GPUs).")
    Integer threshold;

    @Option(names = "--executors", paramLabel = "N", description = "Spark only: wait for N executors before starting "
            + "(default: spark.executor.instances if set, else those registered once their number is steady).")
    Integer executors;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Spark only: a Spark setting, repeatable, e.g. "
            + "--conf spark.executor.cores=4; spark.mec.* keys too. The options above win over --conf.")
    List<String> conf;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/bench",
            description = "Output folder, on the driver (default: ${DEFAULT-VALUE}); an existing one may hold only "
                    + "an earlier benchmark's files.")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (runs < 5) {
            throw new IllegalArgumentException("--runs must be at least 5 (medians of fewer runs are noise), got " + runs);
        }
        for (String p : passes) {
            if (!p.equals("forward") && !p.equals("backward")) {
                throw new IllegalArgumentException("unknown pass '" + p + "' in --passes; expected forward and/or backward");
            }
        }
        if (executors != null && executors < 1) {
            throw new IllegalArgumentException("--executors must be at least 1, got " + executors);
        }
        List<BenchVariant> variants = algorithms.stream().map(BenchVariant::parse).distinct().toList();
        LayerBenchmark.Settings settings = new LayerBenchmark.Settings(batch, warmup, runs, passes.contains("forward"),
                passes.contains("backward"), directMaxGflop);
        List<BenchLayer> selected = LayerSets.read(layerDir).select(layers);
        String selection = String.join(",", layers);
        BenchOnSpark spark = null;
        if (master.equals(IN_PROCESS)) {
            if (executors != null || conf != null) {
                throw new IllegalArgumentException((executors != null ? "--executors" : "--conf")
                        + " needs a Spark master; --master none runs in this process");
            }
            EngineConf.from(mecSettings(Map.of(EngineConf.BACKEND.key(), "cpu")));
        } else {
            requireSpark();
            boolean masterGiven = commandSpec.commandLine().getParseResult().hasMatchedOption("--master");
            spark = new BenchOnSpark(master, masterGiven, conf, this::mecSettings);
        }
        try (StagedDirectory staged = StagedDirectory.create(out, BenchmarkReport::isReportFile)) {
            BenchmarkReport report = spark == null
                    ? inProcess(selection, selected, variants, settings)
                    : spark.run(selection, selected, variants, settings, !noCeiling, executors == null ? 0 : executors,
                            line -> System.out.println(line));
            report.writeTo(staged.path());
            if (!noCharts) {
                // Into the staging folder, so that the PNGs are committed with the other files; the points
                // are the medians over executors.
                BenchmarkCharts.write(report.medians().stream().map(m -> new BenchmarkCharts.Point(m.layer(),
                        m.algorithm(), m.pass(), m.medianMs(), m.workspaceBytes())).toList(), staged.path());
            }
            staged.commit();
            System.out.println();
            System.out.print(report.summary());
        }
        System.out.println();
        System.out.println("wrote " + out + ": " + BenchmarkReport.LAYERS_CSV + ", " + BenchmarkReport.ENVIRONMENT
                + ", " + BenchmarkReport.SUMMARY + (noCharts ? "" : ", " + BenchmarkCharts.TIME_PNG + ", "
                + BenchmarkCharts.MEMORY_PNG));
        return 0;
    }

    /** The benchmark on this process's engine. */
    private BenchmarkReport inProcess(String selection, List<BenchLayer> selected, List<BenchVariant> variants,
                                      LayerBenchmark.Settings settings) {
        EngineConf engineConf = EngineConf.from(mecSettings(Map.of(EngineConf.BACKEND.key(), "cpu")));
        String host = hostName();
        try (Backend engine = Backends.create(engineConf)) {
            LayerBenchmark bench = new LayerBenchmark(engine, engineConf.mecOptions(engine.kind()), settings);
            ExecutorResult result = bench.runAll(IN_PROCESS_EXECUTOR, host, Map.of(), selected, variants, !noCeiling,
                    (index, count, layer, rows) -> System.out.println(BenchmarkSummary.progressLine(
                            IN_PROCESS_EXECUTOR, host, index, count, layer.name(), BenchmarkSummary.progressLine(rows))));
            Map<String, String> run = new LinkedHashMap<>();
            run.put("master", "none (in this process, without Spark)");
            run.putAll(BenchmarkReport.describeRun(selection, selected, variants, settings, !noCeiling));
            return new BenchmarkReport(run, List.of(result));
        }
    }

    /** {@code base}, then the {@code spark.mec.*} options given (the later wins). */
    private Map<String, String> mecSettings(Map<String, String> base) {
        Map<String, String> s = new HashMap<>(base);
        engine.putInto(s);
        CliSettings.putIfSet(s, EngineConf.CPU_GEMM_PARALLELISM.key(), gemmParallelism);
        CliSettings.putIfSet(s, EngineConf.MEC_THRESHOLD.key(), threshold);
        return s;
    }

    /** Fails, naming the remedy, where Spark or spark-mec is not on the class path. */
    private void requireSpark() {
        for (String name : List.of("org.apache.spark.sql.SparkSession", "org.sparkmec.spark.bench.ClusterBenchmark")) {
            try {
                Class.forName(name, false, BenchCommand.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("--master " + master + " needs Spark, and " + name + " is not on "
                        + "the class path; use --master " + IN_PROCESS + " to run in this process");
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
