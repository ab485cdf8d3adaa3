package org.sparkmec.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.conv.MecConvolution;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.MecSolution;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Where MEC's time goes, per layer and pass: the stages of {@link MecConvolution}'s solution A or B
 * (the one the default threshold picks) run one by one on the configured backend and timed separately
 * (median over rounds; each round runs every stage once, in order). Forward: lowering, window GEMMs,
 * the h-n-w-c permutation with bias (A) or the bias pass (B). Backward: bias gradient, the output
 * gradient's permutation (A), lowering, zeroing, dK GEMMs, dL GEMMs, scatter-add. The GEMM stages also
 * report GFLOP/s, to set against the sgemm ceiling. Solution B's forward lowers all images first here,
 * where the convolution interleaves lowering and GEMMs by chunks of images: same work.
 *
 * <p>Usage: {@code java -cp ... org.sparkmec.benchmarks.MecBreakdown [runs] [layers...]} (batch from
 * {@code -Dmec.batch}, default 32; layer file from {@code -Dmec.layerSet}, default
 * {@code conf/layers/cv.layers}; engine settings from {@code spark.mec.*} system properties;
 * {@code -Dmec.breakdown=fused}: the fused kernels' stages only).
 */
public final class MecBreakdown {
    private MecBreakdown() {
    }

    public static void main(String[] args) throws IOException {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        LayerSetFile file = LayerSetFile.read(Path.of(System.getProperty("mec.layerSet", "conf/layers/cv.layers")));
        List<BenchLayer> layers = args.length > 1 ? file.select(Arrays.asList(args).subList(1, args.length)) : file.all();
        int batch = Integer.getInteger("mec.batch", 32);
        boolean fusedOnly = "fused".equals(System.getProperty("mec.breakdown"));
        try (Backend backend = LayerState.backend()) {
            System.out.println("# " + backend.description() + "; batch " + batch + ", median of " + runs + " rounds, ms");
            System.out.println("| layer | solution | pass | stage | ms | share | GFLOP/s |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (BenchLayer layer : layers) {
                ConvGeometry g = layer.atBatch(batch);
                MecSolution solution = MecOptions.defaults().resolve(g);
                if (!fusedOnly) {
                    print(layer.name(), solution, "forward", forward(backend, g, solution, runs), g);
                    print(layer.name(), solution, "backward", backward(backend, g, solution, runs), g);
                }
                if (backend.mecWindowKernels().isPresent()) {
                    print(layer.name(), MecSolution.FUSED, "forward", fusedForward(backend, g, runs), g);
                    print(layer.name(), MecSolution.FUSED, "backward", fusedBackward(backend, g, runs), g);
                }
            }
        }
    }

    /** Stage name to {median ms, GEMM flops or 0}. */
    private static Map<String, double[]> forward(Backend backend, ConvGeometry g, MecSolution solution, int runs) {
        ConvKernels k = backend.kernels();
        try (Tensor input = RandomFill.uniformTensor(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = RandomFill.uniformTensor(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor bias = RandomFill.uniformTensor(backend, Layout.VECTOR, 3, g.outC());
             Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()));
             Tensor scratch = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.outputElements()))) {
            FloatStorage out = output.storage();
            FloatStorage l = lowered.storage();
            GemmPlan plan = solution == MecSolution.A
                    ? MecConvolution.windowPlan(g, l, kernel.storage(), out, MecSolution.A, 0, g.batch())
                    : MecConvolution.windowPlan(g, l, kernel.storage(), out, MecSolution.B, 0, g.batch());
            Stages s = new Stages();
            s.add("lowering", 0, () -> k.lowerMec(input.storage(), g, l));
            s.add("window GEMMs", plan.flops(), () -> backend.gemm(plan));
            if (solution == MecSolution.A) {
                s.add("permutation h-n-w-c to n-h-w-c + bias", 0, () -> {
                    k.copy(out, 0, scratch.storage(), 0, g.outputElements());
                    k.swapOuterDimensions(scratch.storage(), out, g.outH(), g.batch(), (long) g.outW() * g.outC(),
                            bias.storage());
                });
            } else {
                s.add("bias", 0, () -> k.addBias(out, (long) g.batch() * g.outH() * g.outW(), g.outC(), bias.storage()));
            }
            return s.run(runs);
        }
    }

    private static Map<String, double[]> backward(Backend backend, ConvGeometry g, MecSolution solution, int runs) {
        ConvKernels k = backend.kernels();
        try (Tensor input = RandomFill.uniformTensor(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = RandomFill.uniformTensor(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor gradOutput = RandomFill.uniformTensor(backend, Layout.NHWC, 4, g.outputDims());
             Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC());
             Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()));
             Tensor rows = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.outputElements()))) {
            FloatStorage dOut = gradOutput.storage();
            FloatStorage dRows = solution == MecSolution.A ? rows.storage() : dOut;
            FloatStorage l = lowered.storage();
            long pixels = (long) g.batch() * g.outH() * g.outW();
            GemmPlan dK = MecConvolution.weightGradientPlan(g, l, dRows, gradKernel.storage(), solution);
            GemmPlan dL = MecConvolution.loweredGradientPlan(g, dRows, kernel.storage(), l, solution);
            Stages s = new Stages();
            s.add("bias gradient", 0, () -> k.sumRows(dOut, pixels, g.outC(), gradBias.storage()));
            if (solution == MecSolution.A) {
                s.add("permutation of dO to h-n-w-c", 0, () ->
                        k.swapOuterDimensions(dOut, dRows, g.batch(), g.outH(), (long) g.outW() * g.outC(), null));
            }
            s.add("lowering", 0, () -> k.lowerMec(input.storage(), g, l));
            s.add("zero dK", 0, () -> k.zero(gradKernel.storage(), 0, gradKernel.numElements()));
            s.add("dK GEMMs", dK.flops(), () -> backend.gemm(dK));
            s.add("zero dL", 0, () -> k.zero(l, 0, l.length()));
            s.add("dL GEMMs", dL.flops(), () -> backend.gemm(dL));
            s.add("zero dI", 0, () -> k.zero(gradInput.storage(), 0, gradInput.numElements()));
            s.add("scatter-add", 0, () -> k.scatterAddMec(l, g, gradInput.storage()));
            return s.run(runs);
        }
    }

    /** The backend's fused kernels: lowering alone, then the tiles (GEMMs and NHWC copies with bias). */
    private static Map<String, double[]> fusedForward(Backend backend, ConvGeometry g, int runs) {
        MecWindowKernels fused = backend.mecWindowKernels().orElseThrow();
        try (Tensor input = RandomFill.uniformTensor(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = RandomFill.uniformTensor(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor bias = RandomFill.uniformTensor(backend, Layout.VECTOR, 3, g.outC());
             Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()))) {
            Stages s = new Stages();
            s.add("(lowering alone, also inside the next row)", 0, () -> backend.kernels().lowerMec(input.storage(), g, lowered.storage()));
            s.add("fused forward: lowering + tiles (GEMM, copy to NHWC with bias)", g.forwardFlops(), () -> fused.forward(input.storage(),
                    lowered.storage(), kernel.storage(), bias.storage(), output.storage(), g));
            return s.run(runs);
        }
    }

    private static Map<String, double[]> fusedBackward(Backend backend, ConvGeometry g, int runs) {
        MecWindowKernels fused = backend.mecWindowKernels().orElseThrow();
        ConvKernels k = backend.kernels();
        try (Tensor input = RandomFill.uniformTensor(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = RandomFill.uniformTensor(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor gradOutput = RandomFill.uniformTensor(backend, Layout.NHWC, 4, g.outputDims());
             Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC());
             Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()))) {
            long pixels = (long) g.batch() * g.outH() * g.outW();
            Stages s = new Stages();
            s.add("bias gradient", 0, () -> k.sumRows(gradOutput.storage(), pixels, g.outC(), gradBias.storage()));
            s.add("lowering", 0, () -> k.lowerMec(input.storage(), g, lowered.storage()));
            s.add("dK tiles (gather dO, GEMM, partial sums)", g.forwardFlops(), () -> fused.weightGradient(lowered.storage(),
                    gradOutput.storage(), gradKernel.storage(), g));
            s.add("dL tiles, zero dI, scatter-add", g.forwardFlops(), () -> {
                fused.loweredGradient(gradOutput.storage(), kernel.storage(), lowered.storage(), g);
                k.zero(gradInput.storage(), 0, gradInput.numElements());
                k.scatterAddMec(lowered.storage(), g, gradInput.storage());
            });
            return s.run(runs);
        }
    }

    private static void print(String layer, MecSolution solution, String pass, Map<String, double[]> stages, ConvGeometry g) {
        // A stage named in parentheses is part of another one: shown, not added.
        double total = stages.entrySet().stream().filter(e -> !e.getKey().startsWith("("))
                .mapToDouble(e -> e.getValue()[0]).sum();
        for (Map.Entry<String, double[]> e : stages.entrySet()) {
            double ms = e.getValue()[0];
            double flops = e.getValue()[1];
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.0f%% | %s |%n", layer, solution, pass, e.getKey(), ms,
                    100 * ms / total, flops > 0 ? String.format(Locale.ROOT, "%.0f", flops / ms / 1e6) : "");
        }
        System.out.printf(Locale.ROOT, "| %s | %s | %s | **sum** | %.2f | 100%% | %.0f |%n", layer, solution, pass, total,
                g.forwardFlops() * (pass.equals("forward") ? 1 : 2) / total / 1e6);
    }

    /** Named stages run in order once per round; medians per stage. */
    private static final class Stages {
        private final List<String> names = new ArrayList<>();
        private final List<Double> flops = new ArrayList<>();
        private final List<Runnable> bodies = new ArrayList<>();

        void add(String name, double stageFlops, Runnable body) {
            names.add(name);
            flops.add(stageFlops);
            bodies.add(body);
        }

        Map<String, double[]> run(int runs) {
            double[] medians = Timing.interleavedMedians(1, runs, bodies);
            Map<String, double[]> result = new LinkedHashMap<>();
            for (int i = 0; i < bodies.size(); i++) {
                result.put(names.get(i), new double[] {medians[i], flops.get(i)});
            }
            return result;
        }
    }

}
