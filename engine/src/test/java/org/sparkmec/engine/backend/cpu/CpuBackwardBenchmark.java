package org.sparkmec.engine.backend.cpu;

import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.backend.cpu.CpuMecWindowKernels.LoweredGradientSplit;
import org.sparkmec.engine.backend.cpu.CpuMecWindowKernels.WeightGradientSplit;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Im2colConvolution;
import org.sparkmec.engine.conv.MecConvolution;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The CPU's MEC backward against im2col's, stage by stage, in alternating rounds: per layer, every stage
 * of im2col's backward (im2col, dK GEMM, column-gradient GEMM, zeroing dI and col2im, as
 * {@code Im2colConvolution} runs them on the backend), then MEC's (lowering, dK, dL, zeroing dI and
 * scatter-add) with the splits of {@link CpuMecWindowKernels} before this benchmark was written ("old":
 * {@code TILES} and {@code IMAGES} forced) and as its rules pick them ("new"), run once each per round;
 * medians. The bias gradient (the same code in both algorithms) and workspace allocation are left out.
 The second method times whole backward passes through {@link Convolution#backward} (bias gradient
 * and workspace included, default CPU backend with its buffer cache), MEC and im2col alternating.
 * A benchmark, not a test: it asserts nothing and is excluded from the build's tests.
 *
 * <pre>
 * env -u OPENBLAS_CORETYPE mvn -o -q -pl engine test -Dtest=CpuBackwardBenchmark -Dsurefire.excludedGroups=none \
 *     -Dbench.layers=cv5,cv6 -Dbench.rounds=7
 * env -u OPENBLAS_CORETYPE mvn -o -q -pl engine test -Dtest=CpuBackwardBenchmark#backwardPasses ...
 * </pre>
 * Output: {@code engine/target/surefire-reports/*CpuBackwardBenchmark-output.txt}. Settings: {@link BenchSettings}
 * (leave cv4 out of {@code bench.layers}: its column matrix is 4.8 GB at batch 32).
 */
@Tag("benchmark")
class CpuBackwardBenchmark {

    @Test
    void im2colAgainstOldAndNewSplits() throws IOException {
        BenchSettings settings = BenchSettings.fromSystemProperties();
        int threads = settings.threads();
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(threads, GemmParallelism.TASKS, 0));
             CpuWorkers workers = new CpuWorkers(threads);
             CpuMecWindowKernels old = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), GemmParallelism.TASKS,
                     CpuMecWindowKernels.TILE_FLOATS, null, WeightGradientSplit.TILES, LoweredGradientSplit.IMAGES);
             CpuMecWindowKernels current = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), GemmParallelism.TASKS)) {
            CpuConvKernels k = new CpuConvKernels(workers);
            System.out.println(settings.header(backend));
            System.out.println("| layer | im2col: im2col | dK | dL | col2im | sum | MEC: lowering | scatter-add "
                    + "| old dK | old dL | old sum | new dK | new dL | new sum | new/old | new/im2col | new splits |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (BenchLayer layer : settings.layers()) {
                ConvGeometry g = layer.atBatch(settings.batch());
                int rows = g.batch() * g.outH() * g.outW();
                try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                     Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                     Tensor dOut = random(backend, Layout.NHWC, 4, g.outputDims());
                     Tensor dIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                     Tensor dK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
                     Tensor col = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.im2colElements()));
                     Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()))) {
                    GemmPlan colDK = GemmPlan.builder(Transpose.TRANSPOSE, Transpose.NONE, g.kernelRows(), g.outC(), rows)
                            .a(col.storage(), g.kernelRows()).b(dOut.storage(), g.outC()).c(dK.storage(), g.outC())
                            .add(0, 0, 0).build();
                    GemmPlan colDL = GemmPlan.builder(Transpose.NONE, Transpose.TRANSPOSE, rows, g.kernelRows(), g.outC())
                            .a(dOut.storage(), g.outC()).b(kernel.storage(), g.outC()).c(col.storage(), g.kernelRows())
                            .add(0, 0, 0).build();
                    List<Runnable> stages = List.of(
                            () -> k.im2col(input.storage(), g, col.storage()),
                            () -> backend.gemm(colDK),
                            () -> backend.gemm(colDL),
                            () -> {
                                k.zero(dIn.storage(), 0, dIn.numElements());
                                k.col2im(col.storage(), g, dIn.storage());
                            },
                            () -> k.lowerMec(input.storage(), g, lowered.storage()),
                            () -> old.weightGradient(lowered.storage(), dOut.storage(), dK.storage(), g),
                            () -> current.weightGradient(lowered.storage(), dOut.storage(), dK.storage(), g),
                            () -> old.loweredGradient(dOut.storage(), kernel.storage(), lowered.storage(), g),
                            () -> current.loweredGradient(dOut.storage(), kernel.storage(), lowered.storage(), g),
                            () -> {
                                k.zero(dIn.storage(), 0, dIn.numElements());
                                k.scatterAddMec(lowered.storage(), g, dIn.storage());
                            });
                    double[] ms = Timing.interleavedMedians(1, settings.rounds(), stages);
                    double im2col = ms[0] + ms[1] + ms[2] + ms[3];
                    double oldSum = ms[4] + ms[5] + ms[7] + ms[9];
                    double newSum = ms[4] + ms[6] + ms[8] + ms[9];
                    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f "
                                    + "| %.2f | %.2f | %.2f | %.3f | %.3f | %s, %s |%n",
                            layer.name(), ms[0], ms[1], ms[2], ms[3], im2col, ms[4], ms[9], ms[5], ms[7], oldSum,
                            ms[6], ms[8], newSum, newSum / oldSum, newSum / im2col,
                            CpuMecWindowKernels.weightGradientSplit(g, threads, CpuMecWindowKernels.TILE_FLOATS),
                            CpuMecWindowKernels.loweredGradientSplit(g, threads, CpuMecWindowKernels.TILE_FLOATS));
                }
            }
            System.out.println(BenchSettings.footer());
        }
    }

    @Test
    void backwardPasses() throws IOException {
        BenchSettings settings = BenchSettings.fromSystemProperties();
        int threads = settings.threads();
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(threads, GemmParallelism.TASKS));
             CpuWorkers workers = new CpuWorkers(threads);
             CpuMecWindowKernels oldKernels = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), GemmParallelism.TASKS,
                     CpuMecWindowKernels.TILE_FLOATS, null, WeightGradientSplit.TILES, LoweredGradientSplit.IMAGES)) {
            Backend oldBackend = new WithFusedKernels(backend, oldKernels);
            System.out.println(settings.header(backend));
            System.out.println("| layer | MEC backward | old MEC backward | im2col backward | MEC/im2col | old MEC/im2col |");
            System.out.println("|---|---|---|---|---|---|");
            for (BenchLayer layer : settings.layers()) {
                ConvGeometry g = layer.atBatch(settings.batch());
                Convolution mec = new MecConvolution(backend, g.params(), MecOptions.defaults());
                Convolution oldMec = new MecConvolution(oldBackend, g.params(), MecOptions.defaults());
                Convolution im2col = new Im2colConvolution(backend, g.params());
                try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                     Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                     Tensor dOut = random(backend, Layout.NHWC, 4, g.outputDims());
                     Tensor dIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                     Tensor dK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
                     Tensor dB = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {
                    double[] ms = Timing.interleavedMedians(1, settings.rounds(), List.of(
                            () -> mec.backward(input, kernel, dOut, dIn, dK, dB),
                            () -> oldMec.backward(input, kernel, dOut, dIn, dK, dB),
                            () -> im2col.backward(input, kernel, dOut, dIn, dK, dB)));
                    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.3f | %.3f |%n", layer.name(), ms[0], ms[1], ms[2],
                            ms[0] / ms[2], ms[1] / ms[2]);
                }
            }
            System.out.println(BenchSettings.footer());
        }
    }

}
