package org.sparkmec.engine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.conv.ConvGeometry;
import org.sparkmec.engine.conv.ConvStats;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Convolutions;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Times convolution layers forward and backward on one backend, algorithm against algorithm, with the
 * same tensors and interleaved runs (see {@link Timing}), plus the machine's sgemm ceiling. A benchmark, not a test: it prints and writes what it
 * measured and asserts nothing.
 */
public final class LayerBenchmark {
    /** Side of the square sgemm whose GFLOP/s is reported as the ceiling. */
    public static final int CEILING_SIZE = 2048;
    /** The ceiling's size on a GPU: 2048^3 runs too briefly there to fill an H100. */
    public static final int CUDA_CEILING_SIZE = 4096;

    /**
     * @param batch  mini-batch size
     * @param warmup untimed runs before timing, per layer, algorithm and pass
     * @param runs   timed runs (the median is reported), at least 1
     * @param passes {@code forward}, {@code backward}, or both
     */
    public record Settings(int batch, int warmup, int runs, boolean forward, boolean backward) {
        public Settings {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("warm-up runs must be 0 or more, got " + warmup);
            }
            if (runs < 1) {
                throw new IllegalArgumentException("timed runs must be at least 1, got " + runs);
            }
            if (!forward && !backward) {
                throw new IllegalArgumentException("choose at least one pass (forward, backward)");
            }
        }
    }

    private final Backend backend;
    private final MecOptions mecOptions;
    private final Settings settings;

    public LayerBenchmark(Backend backend, MecOptions mecOptions, Settings settings) {
        this.backend = backend;
        this.mecOptions = mecOptions;
        this.settings = settings;
    }

    /** Runs every layer with every variant; each finished row also goes to {@code progress}. */
    public List<BenchmarkRow> run(List<BenchLayer> layers, List<BenchVariant> variants, Consumer<BenchmarkRow> progress) {
        List<BenchmarkRow> rows = new ArrayList<>();
        for (BenchLayer layer : layers) {
            ConvGeometry g = layer.atBatch(settings.batch());
            try (Tensor input = uniform(Layout.NHWC, 1, g.inputDims());
                 Tensor kernel = uniform(Layout.HWIO, 2, g.kernelDims());
                 Tensor bias = uniform(Layout.VECTOR, 3, g.outC());
                 Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                 Tensor gradOutput = uniform(Layout.NHWC, 4, g.outputDims());
                 Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                 Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
                 Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {
                List<Convolution> convs = new ArrayList<>();
                for (BenchVariant v : variants) {
                    convs.add(Convolutions.create(v.algorithm(), backend, g.params(),
                            new MecOptions(mecOptions.threshold(), v.solution())));
                }
                if (settings.forward()) {
                    timePass("forward", layer.name(), g, g.forwardFlops(), variants, convs,
                            conv -> conv.forward(input, kernel, bias, output), rows, progress);
                }
                if (settings.backward()) {
                    timePass("backward", layer.name(), g, 2 * g.forwardFlops(), variants, convs,
                            conv -> conv.backward(input, kernel, gradOutput, gradInput, gradKernel, gradBias), rows,
                            progress);
                }
            }
        }
        return rows;
    }

    /** Times one pass of every variant, interleaved, and emits a row per variant. */
    private void timePass(String pass, String layer, ConvGeometry g, double flops, List<BenchVariant> variants,
                          List<Convolution> convs, Function<Convolution, ConvStats> call, List<BenchmarkRow> rows,
                          Consumer<BenchmarkRow> progress) {
        ConvStats[] last = new ConvStats[convs.size()];
        List<Runnable> bodies = new ArrayList<>();
        for (int i = 0; i < convs.size(); i++) {
            int v = i;
            bodies.add(() -> {
                last[v] = call.apply(convs.get(v));
                backend.synchronize();
            });
        }
        double[] ms = Timing.interleavedMedians(settings.warmup(), settings.runs(), bodies);
        for (int v = 0; v < convs.size(); v++) {
            BenchmarkRow row = new BenchmarkRow(layer, backend.kind().configName(), variants.get(v).name(), pass,
                    g.batch(), ms[v], flops / ms[v] / 1e6, last[v].workspaceBytes(), last[v].path());
            rows.add(row);
            progress.accept(row);
        }
    }

    /** GFLOP/s of one {@value #CEILING_SIZE}^3 sgemm through the same backend and thread settings. */
    public BenchmarkRow sgemmCeiling() {
        int n = backend.kind() == BackendKind.CUDA ? CUDA_CEILING_SIZE : CEILING_SIZE;
        try (Tensor a = uniform(Layout.MATRIX, 5, n, n);
             Tensor b = uniform(Layout.MATRIX, 6, n, n);
             Tensor c = Tensor.zeros(backend, Layout.MATRIX, n, n)) {
            GemmPlan plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, n, n, n)
                    .a(a.storage(), n).b(b.storage(), n).c(c.storage(), n).add(0, 0, 0).build();
            double ms = Timing.interleavedMedians(Math.max(1, settings.warmup()), Math.max(5, settings.runs()),
                    List.of(() -> {
                        backend.gemm(plan);
                        backend.synchronize();
                    }))[0];
            return new BenchmarkRow("sgemm-" + n, backend.kind().configName(), "sgemm", "forward", 1, ms,
                    plan.flops() / ms / 1e6, 0, "-");
        }
    }

    /** A tensor of uniform values in [-1, 1) from a fixed seed. */
    private Tensor uniform(Layout layout, long seed, int... dims) {
        Tensor t = Tensor.zeros(backend, layout, dims);
        RandomFill.uniform(t.storage(), seed);
        return t;
    }
}
