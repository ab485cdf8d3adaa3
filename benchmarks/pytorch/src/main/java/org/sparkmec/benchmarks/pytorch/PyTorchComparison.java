package org.sparkmec.benchmarks.pytorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cpu.OpenBlas;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkRow;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Convolutions;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The engine's convolutions (MEC, im2col, on the CPU backend) against PyTorch's CPU convolution
 * ({@code torch.conv2d}: oneDNN on x86) through DJL, in one JVM: per layer, every contender runs its
 * forward pass and its forward+backward pass (input, weight and bias gradients) once per round, in
 * turn, and the median over the rounds is reported. A benchmark, not a test.
 *
 * <p>PyTorch runs NCHW (its default format) with {@code threads} intra-op threads; the engine runs
 * NHWC with {@code spark.mec.cpu.threads = threads}. Arguments, all optional, as {@code key=value}:
 * {@code layers=conf/layers/cv.layers}, {@code select=cv1,cv5} (default all), {@code batch=32},
 * {@code threads=2}, {@code warmup=1}, {@code runs=5}, {@code variants=mec,im2col} (the names of
 * {@code ./mec bench --algorithms}), {@code out=FILE.csv}. The run's header names the CPU, the OpenBLAS
 * kernel, PyTorch's version and threads, and the load average at start and end.
 */
public final class PyTorchComparison {
    private static final String PYTORCH = "pytorch";

    private PyTorchComparison() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are key=value, got '" + a + "'");
            }
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int batch = Integer.parseInt(opts.getOrDefault("batch", "32"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1"));
        int runs = Integer.parseInt(opts.getOrDefault("runs", "5"));
        LayerSetFile file = LayerSetFile.read(Path.of(opts.getOrDefault("layers", "conf/layers/cv.layers")));
        List<BenchLayer> layers = opts.containsKey("select")
                ? file.select(Arrays.asList(opts.get("select").split(","))) : file.all();
        List<BenchVariant> variants = Arrays.stream(opts.getOrDefault("variants", "mec,im2col").split(","))
                .map(BenchVariant::parse).toList();

        // PyTorch's thread count must be set before its first op.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engine torch = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        JniUtils.setGradMode(false);

        Map<String, String> conf = new HashMap<>();
        conf.put(EngineConf.BACKEND.key(), "cpu");
        conf.put(EngineConf.CPU_THREADS.key(), Integer.toString(threads));
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(EngineConf.PREFIX)) {
                conf.put(key, System.getProperty(key));
            }
        }
        EngineConf engineConf = EngineConf.from(conf);
        try (Backend backend = Backends.create(engineConf);
             NDManager manager = torch.newBaseManager()) {
            int threshold = engineConf.get(EngineConf.MEC_THRESHOLD);
            MecOptions mecOptions = new MecOptions(threshold > 0 ? threshold : MecOptions.defaultThreshold(backend.kind()),
                    engineConf.get(EngineConf.MEC_SOLUTION));
            System.out.println("# MEC and im2col against PyTorch CPU, " + java.time.Instant.now());
            System.out.println("# cpu: " + cpuModel());
            System.out.println("# cores online: " + Runtime.getRuntime().availableProcessors());
            System.out.println("# engine: " + backend.description());
            System.out.println("# openblas_core: " + OpenBlas.coreName());
            System.out.println("# pytorch: " + torch.getVersion() + " (DJL " + Engine.getDjlVersion() + "), intra-op threads "
                    + JniUtils.getNumThreads() + ", inter-op " + JniUtils.getNumInteropThreads() + ", NCHW float32");
            System.out.println("# env: LD_PRELOAD=" + System.getenv("LD_PRELOAD") + " OMP_WAIT_POLICY="
                    + System.getenv("OMP_WAIT_POLICY") + " KMP_BLOCKTIME=" + System.getenv("KMP_BLOCKTIME"));
            System.out.println("# batch " + batch + ", warm-up " + warmup + ", rounds " + runs
                    + " (contenders alternate within each round), medians in ms; MEC threshold T " + mecOptions.threshold());
            System.out.println("# load average at start: " + loadAverage());
            BenchmarkRow ceiling = new LayerBenchmark(backend, mecOptions,
                    new LayerBenchmark.Settings(batch, 1, 5, true, false)).sgemmCeiling();
            System.out.printf(Locale.ROOT, "# sgemm-%d ceiling (engine backend): %.1f GFLOP/s%n",
                    LayerBenchmark.CEILING_SIZE, ceiling.gflops());

            List<String> names = new ArrayList<>();
            variants.forEach(v -> names.add(v.name()));
            names.add(PYTORCH);
            StringBuilder header = new StringBuilder("| layer |");
            StringBuilder rule = new StringBuilder("|---|");
            for (String pass : List.of("fwd", "fwd+bwd")) {
                for (String n : names) {
                    header.append(' ').append(n).append(' ').append(pass).append(" |");
                    rule.append("---|");
                }
            }
            header.append(" MEC fwd GFLOP/s |");
            rule.append("---|");
            System.out.println(header);
            System.out.println(rule);
            StringBuilder csv = new StringBuilder("layer,contender,pass,batch,median_ms,gflops\n");
            double[][] totals = new double[2][names.size()];
            for (BenchLayer layer : layers) {
                ConvGeometry g = layer.atBatch(batch);
                double[][] ms = runLayer(backend, manager, g, variants, mecOptions, warmup, runs);
                StringBuilder line = new StringBuilder("| " + layer.name() + " |");
                for (int p = 0; p < 2; p++) {
                    for (int c = 0; c < names.size(); c++) {
                        totals[p][c] += ms[p][c];
                        line.append(String.format(Locale.ROOT, " %.1f |", ms[p][c]));
                        double flops = g.forwardFlops() * (p == 0 ? 1 : 3);
                        csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.3f,%.1f%n", layer.name(), names.get(c),
                                p == 0 ? "forward" : "forward+backward", batch, ms[p][c], flops / ms[p][c] / 1e6));
                    }
                }
                line.append(String.format(Locale.ROOT, " %.0f |", g.forwardFlops() / ms[0][0] / 1e6));
                System.out.println(line);
            }
            StringBuilder total = new StringBuilder("| total |");
            for (int p = 0; p < 2; p++) {
                for (int c = 0; c < names.size(); c++) {
                    total.append(String.format(Locale.ROOT, " %.1f |", totals[p][c]));
                }
            }
            System.out.println(total + " |");
            int torchIndex = names.size() - 1;
            for (int c = 0; c < torchIndex; c++) {
                System.out.printf(Locale.ROOT, "# %s / pytorch, total: forward %.2fx, forward+backward %.2fx%n", names.get(c),
                        totals[0][c] / totals[0][torchIndex], totals[1][c] / totals[1][torchIndex]);
            }
            System.out.println("# load average at end: " + loadAverage());
            if (opts.containsKey("out")) {
                Files.writeString(Path.of(opts.get("out")), csv);
            }
        }
    }

    /** Medians [pass][contender]: pass 0 forward, 1 forward+backward; contenders the variants, then PyTorch. */
    private static double[][] runLayer(Backend backend, NDManager base, ConvGeometry g, List<BenchVariant> variants,
                                       MecOptions mecOptions, int warmup, int runs) {
        List<Runnable> forward = new ArrayList<>();
        List<Runnable> training = new ArrayList<>();
        try (Tensor input = RandomFill.uniformTensor(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = RandomFill.uniformTensor(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor bias = RandomFill.uniformTensor(backend, Layout.VECTOR, 3, g.outC());
             Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor gradOutput = RandomFill.uniformTensor(backend, Layout.NHWC, 4, g.outputDims());
             Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC());
             NDManager manager = base.newSubManager()) {
            for (BenchVariant v : variants) {
                Convolution conv = Convolutions.create(v.algorithm(), backend, g.params(),
                        new MecOptions(mecOptions.threshold(), v.solution()));
                forward.add(() -> conv.forward(input, kernel, bias, output));
                training.add(() -> {
                    conv.forward(input, kernel, bias, output);
                    conv.backward(input, kernel, gradOutput, gradInput, gradKernel, gradBias);
                });
            }
            manager.getEngine().setRandomSeed(7);
            PtNDArray x = (PtNDArray) manager.randomUniform(-1, 1, new Shape(g.batch(), g.inC(), g.inH(), g.inW()));
            PtNDArray w = (PtNDArray) manager.randomUniform(-1, 1, new Shape(g.outC(), g.inC(), g.kH(), g.kW()));
            PtNDArray b = (PtNDArray) manager.randomUniform(-1, 1, new Shape(g.outC()));
            PtNDArray dy = (PtNDArray) manager.randomUniform(-1, 1, new Shape(g.batch(), g.outC(), g.outH(), g.outW()));
            Shape stride = new Shape(g.strideH(), g.strideW());
            Shape padding = new Shape(g.padH(), g.padW());
            Shape dilation = new Shape(1, 1);
            forward.add(() -> {
                try (NDManager step = manager.newSubManager()) {
                    PtNDArray y = JniUtils.convolution(x, w, b, stride, padding, dilation, 1);
                    y.attach(step);
                }
            });
            training.add(() -> {
                try (NDManager step = manager.newSubManager()) {
                    PtNDArray xg = (PtNDArray) x.duplicate();
                    PtNDArray wg = (PtNDArray) w.duplicate();
                    PtNDArray bg = (PtNDArray) b.duplicate();
                    xg.attach(step);
                    wg.attach(step);
                    bg.attach(step);
                    xg.setRequiresGradient(true);
                    wg.setRequiresGradient(true);
                    bg.setRequiresGradient(true);
                    JniUtils.setGradMode(true);
                    try {
                        PtNDArray y = JniUtils.convolution(xg, wg, bg, stride, padding, dilation, 1);
                        y.attach(step);
                        JniUtils.backward(y, dy, false, false);
                        // The gradients exist (and are read) so that nothing is skipped.
                        xg.getGradient().attach(step);
                        wg.getGradient().attach(step);
                        bg.getGradient().attach(step);
                    } finally {
                        JniUtils.setGradMode(false);
                    }
                }
            });
            return new double[][] {Timing.interleavedMedians(warmup, runs, forward),
                Timing.interleavedMedians(warmup, runs, training)};
        }
    }



    private static String cpuModel() {
        try {
            String name = "?";
            String family = "?";
            String model = "?";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                String value = line.contains(":") ? line.substring(line.indexOf(':') + 1).trim() : "";
                if (line.startsWith("model name") && name.equals("?")) {
                    name = value;
                } else if (line.startsWith("cpu family") && family.equals("?")) {
                    family = value;
                } else if (line.startsWith("model\t") && model.equals("?")) {
                    model = value;
                } else if (line.startsWith("flags")) {
                    boolean avx512 = line.contains(" avx512f");
                    return name + " (family " + family + ", model " + model + ", AVX-512 " + (avx512 ? "yes" : "no") + ")";
                }
            }
            return name;
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
