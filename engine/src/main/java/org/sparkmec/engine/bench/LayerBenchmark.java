package org.sparkmec.engine.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.ConvStats;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Convolutions;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Times convolution layers forward and backward on one backend, algorithm against algorithm, with the
 * same tensors and interleaved runs (see {@link Timing}), plus the machine's sgemm ceiling. A benchmark, not
 * a test: it reports what it measured and asserts nothing.
 *
 * <p>The direct reference ({@code direct}: plain loops in double precision, about 2 GFLOP/s on the
 * development machine) runs only on layers whose forward pass at the run's batch is at most
 * {@link Settings#directMaxGflop()} GFLOP ({@value #DEFAULT_DIRECT_MAX_GFLOP} by default: at most ~50 ms
 * forward and ~100 ms backward per call there); on larger layers it is left out and has no rows.
 */
public final class LayerBenchmark {
    /** Side of the square sgemm whose GFLOP/s is reported as the ceiling. */
    public static final int CEILING_SIZE = 2048;
    /** The ceiling's size on a GPU: 2048^3 runs too briefly there to fill an H100. */
    public static final int CUDA_CEILING_SIZE = 4096;
    /** Largest forward pass (GFLOP at the run's batch) on which the direct reference runs, by default. */
    public static final double DEFAULT_DIRECT_MAX_GFLOP = 0.1;

    /**
     * What to run; serializable, to travel in a Spark task's closure.
     *
     * @param batch           mini-batch size
     * @param warmup          untimed runs before timing, per layer, algorithm and pass
     * @param runs            timed runs (the median is reported), at least 1
     * @param forward         time the forward pass
     * @param backward        time the backward pass (input and weight gradients)
     * @param directMaxGflop  the direct reference runs only on layers whose forward pass at {@code batch} is at
     *                        most this many GFLOP; 0 or more
     */
    public record Settings(int batch, int warmup, int runs, boolean forward, boolean backward, double directMaxGflop)
            implements Serializable {

        /** Settings with the default limit for the direct reference. */
        public Settings(int batch, int warmup, int runs, boolean forward, boolean backward) {
            this(batch, warmup, runs, forward, backward, DEFAULT_DIRECT_MAX_GFLOP);
        }

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
            if (!(directMaxGflop >= 0)) {
                throw new IllegalArgumentException("the direct reference's GFLOP limit must be 0 or more, got "
                        + directMaxGflop);
            }
        }

        /** The variants that run on {@code layer}: all, less {@code direct} above {@link #directMaxGflop}. */
        public List<BenchVariant> variantsFor(BenchLayer layer, List<BenchVariant> variants) {
            boolean directAffordable = layer.atBatch(batch).forwardFlops() <= directMaxGflop * 1e9;
            return variants.stream().filter(v -> directAffordable || v.algorithm() != ConvAlgorithm.DIRECT).toList();
        }
    }

    /** Called after each layer with the rows it produced. */
    @FunctionalInterface
    public interface LayerListener {
        /**
         * @param index the layer's position in the run, from 1
         * @param count the layers of the run
         */
        void layerDone(int index, int count, BenchLayer layer, List<BenchmarkRow> rows);
    }

    private final Backend backend;
    private final MecOptions mecOptions;
    private final Settings settings;

    public LayerBenchmark(Backend backend, MecOptions mecOptions, Settings settings) {
        this.backend = backend;
        this.mecOptions = mecOptions;
        this.settings = settings;
    }

    /**
     * This process's whole share of a benchmark: its environment (with {@code extraEnvironment} after
     * {@link EnvironmentReport#describe}'s keys), the sgemm ceiling row first when {@code ceiling}, then
     * every layer's rows.
     *
     * @param executor who ran it, as {@code layers.csv} names it (a Spark executor id, or {@code in-process})
     * @param host     the host it ran on
     */
    public ExecutorResult runAll(String executor, String host, Map<String, String> extraEnvironment,
                                 List<BenchLayer> layers, List<BenchVariant> variants, boolean ceiling,
                                 LayerListener listener) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("mec_threshold_T", Integer.toString(mecOptions.threshold()));
        extra.putAll(extraEnvironment);
        Map<String, String> environment = EnvironmentReport.describe(backend, extra);
        List<BenchmarkRow> rows = new ArrayList<>();
        if (ceiling) {
            rows.add(sgemmCeiling());
        }
        rows.addAll(run(layers, variants, listener));
        return new ExecutorResult(executor, host, environment, rows);
    }

    /**
     * Runs every layer with its variants ({@link Settings#variantsFor}); {@code listener} hears of each
     * finished layer.
     */
    public List<BenchmarkRow> run(List<BenchLayer> layers, List<BenchVariant> variants, LayerListener listener) {
        List<BenchmarkRow> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            BenchLayer layer = layers.get(i);
            List<BenchmarkRow> layerRows = runLayer(layer, settings.variantsFor(layer, variants));
            rows.addAll(layerRows);
            listener.layerDone(i + 1, layers.size(), layer, layerRows);
        }
        return rows;
    }

    private List<BenchmarkRow> runLayer(BenchLayer layer, List<BenchVariant> variants) {
        List<BenchmarkRow> rows = new ArrayList<>();
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
                        conv -> conv.forward(input, kernel, bias, output), rows);
            }
            if (settings.backward()) {
                timePass("backward", layer.name(), g, 2 * g.forwardFlops(), variants, convs,
                        conv -> conv.backward(input, kernel, gradOutput, gradInput, gradKernel, gradBias), rows);
            }
        }
        return rows;
    }

    /** Times one pass of every variant, interleaved, and emits a row per variant. */
    private void timePass(String pass, String layer, ConvGeometry g, double flops, List<BenchVariant> variants,
                          List<Convolution> convs, Function<Convolution, ConvStats> call, List<BenchmarkRow> rows) {
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
        return RandomFill.uniformTensor(backend, layout, seed, dims);
    }
}
