package org.sparkmec.engine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.conv.ConvGeometry;
import org.sparkmec.engine.conv.ConvStats;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Convolutions;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Times convolution layers forward and backward on one backend, algorithm against algorithm, with the
 * same tensors, plus the machine's sgemm ceiling. A benchmark, not a test: it prints and writes what it
 * measured and asserts nothing.
 */
public final class LayerBenchmark {
    /** Side of the square sgemm whose GFLOP/s is reported as the ceiling. */
    public static final int CEILING_SIZE = 2048;

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
    public List<BenchmarkRow> run(List<LayerSpec> layers, List<BenchVariant> variants, Consumer<BenchmarkRow> progress) {
        List<BenchmarkRow> rows = new ArrayList<>();
        for (LayerSpec layer : layers) {
            ConvGeometry g = layer.atBatch(settings.batch());
            try (Tensor input = uniform(Layout.NHWC, 1, g.inputDims());
                 Tensor kernel = uniform(Layout.HWIO, 2, g.kernelDims());
                 Tensor bias = uniform(Layout.VECTOR, 3, g.outC());
                 Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                 Tensor gradOutput = uniform(Layout.NHWC, 4, g.outputDims());
                 Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                 Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
                 Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {
                for (BenchVariant v : variants) {
                    MecOptions options = new MecOptions(mecOptions.threshold(), v.solution());
                    Convolution conv = Convolutions.create(v.algorithm(), backend, g.params(), options);
                    if (settings.forward()) {
                        ConvStats[] last = new ConvStats[1];
                        double ms = Timing.medianMillis(settings.warmup(), settings.runs(),
                                () -> last[0] = conv.forward(input, kernel, bias, output));
                        emit(rows, progress, new BenchmarkRow(layer.name(), backend.kind().configName(), v.name(),
                                "forward", g.batch(), ms, g.forwardFlops() / ms / 1e6, last[0].workspaceBytes(),
                                last[0].path()));
                    }
                    if (settings.backward()) {
                        ConvStats[] last = new ConvStats[1];
                        double ms = Timing.medianMillis(settings.warmup(), settings.runs(),
                                () -> last[0] = conv.backward(input, kernel, gradOutput, gradInput, gradKernel, gradBias));
                        emit(rows, progress, new BenchmarkRow(layer.name(), backend.kind().configName(), v.name(),
                                "backward", g.batch(), ms, 2 * g.forwardFlops() / ms / 1e6, last[0].workspaceBytes(),
                                last[0].path()));
                    }
                }
            }
        }
        return rows;
    }

    private static void emit(List<BenchmarkRow> rows, Consumer<BenchmarkRow> progress, BenchmarkRow row) {
        rows.add(row);
        progress.accept(row);
    }

    /** GFLOP/s of one {@value #CEILING_SIZE}^3 sgemm through the same backend and thread settings. */
    public BenchmarkRow sgemmCeiling() {
        int n = CEILING_SIZE;
        try (Tensor a = uniform(Layout.MATRIX, 5, n, n);
             Tensor b = uniform(Layout.MATRIX, 6, n, n);
             Tensor c = Tensor.zeros(backend, Layout.MATRIX, n, n)) {
            GemmPlan plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, n, n, n)
                    .a(a.storage(), n).b(b.storage(), n).c(c.storage(), n).add(0, 0, 0).build();
            double ms = Timing.medianMillis(Math.max(1, settings.warmup()), Math.max(5, settings.runs()),
                    () -> backend.gemm(plan));
            return new BenchmarkRow("sgemm-" + n, backend.kind().configName(), "sgemm", "forward", 1, ms,
                    plan.flops() / ms / 1e6, 0, "-");
        }
    }

    /** A tensor of uniform values in [-1, 1) from a fixed seed, filled in chunks (no full heap copy). */
    private Tensor uniform(Layout layout, long seed, int... dims) {
        Tensor t = Tensor.zeros(backend, layout, dims);
        FloatStorage s = t.storage();
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] chunk = new float[1 << 20];
        for (long off = 0; off < t.numElements(); off += chunk.length) {
            int len = (int) Math.min(chunk.length, t.numElements() - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            s.copyFrom(chunk, 0, off, len);
        }
        return t;
    }
}
