package org.sparkmec.engine.backend.cpu;

import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.cpu.CpuMecWindowKernels.ForwardOrder;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The CPU's fused MEC forward in both {@link ForwardOrder}s, side by side: per layer, the two orders
 * run alternately (lowering included, as in a convolution's forward), and the medians are printed with
 * GFLOP/s, their share of the sgemm ceiling (every worker running its own single-threaded sgemm
 * {@code 2048^3} at once, as the fused kernels run theirs; median of 3, measured at the start) and the
 * order {@link CpuMecWindowKernels#forwardOrder} picks. A benchmark, not a test: it
 * asserts nothing and is excluded from the build's tests.
 *
 * <pre>
 * env -u OPENBLAS_CORETYPE mvn -o -q -pl engine test -Dtest=CpuForwardOrderBenchmark -Dsurefire.excludedGroups=none \
 *     -Dbench.layers=cv1,cv4,cv8 -Dbench.rounds=5
 * </pre>
 * Output: {@code engine/target/surefire-reports/*CpuForwardOrderBenchmark-output.txt}. Settings ({@link BenchSettings}):
 * {@code bench.layers} (default all of {@code conf/layers/cv.layers}), {@code bench.rounds} (5, after one
 * warm-up round), {@code bench.batch} (32), {@code bench.threads} (the machine's processors).
 */
@Tag("benchmark")
class CpuForwardOrderBenchmark {

    @Test
    void bothOrdersSideBySide() throws IOException {
        BenchSettings settings = BenchSettings.fromSystemProperties();
        int threads = settings.threads();
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(threads, GemmParallelism.TASKS, 0));
             CpuWorkers workers = new CpuWorkers(threads);
             CpuMecWindowKernels outputRows = kernels(workers, ForwardOrder.OUTPUT_ROWS);
             CpuMecWindowKernels inputRows = kernels(workers, ForwardOrder.INPUT_ROWS)) {
            System.out.println(settings.header(backend));
            double ceiling = sgemmCeiling(backend, workers, threads);
            System.out.printf(Locale.ROOT, "# sgemm ceiling (%d workers, one 2048^3 sgemm each, at once): %.1f GFLOP/s%n",
                    threads, ceiling);
            System.out.println("| layer | output rows ms | input rows ms | output/input | output rows GFLOP/s (% of ceiling) "
                    + "| input rows GFLOP/s (% of ceiling) | rule picks |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (BenchLayer layer : settings.layers()) {
                ConvGeometry g = layer.atBatch(settings.batch());
                try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                     Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                     Tensor bias = random(backend, Layout.VECTOR, 3, g.outC());
                     Tensor lowered = Tensor.zeros(backend, Layout.VECTOR, Math.toIntExact(g.mecLoweredElements()));
                     Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims())) {
                    Runnable[] bodies = new Runnable[2];
                    CpuMecWindowKernels[] orders = {outputRows, inputRows};
                    for (int i = 0; i < 2; i++) {
                        CpuMecWindowKernels k = orders[i];
                        bodies[i] = () -> k.forward(input.storage(), lowered.storage(), kernel.storage(), bias.storage(),
                                output.storage(), g);
                    }
                    double[] ms = Timing.interleavedMedians(1, settings.rounds(), List.of(bodies));
                    double gflop = g.forwardFlops() / 1e9;
                    double rate0 = gflop / ms[0] * 1e3;
                    double rate1 = gflop / ms[1] * 1e3;
                    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.0f (%.0f%%) | %.0f (%.0f%%) | %s |%n", layer.name(),
                            ms[0], ms[1], ms[0] / ms[1], rate0, 100 * rate0 / ceiling, rate1, 100 * rate1 / ceiling,
                            CpuMecWindowKernels.forwardOrder(g));
                }
            }
            System.out.println(BenchSettings.footer());
        }
    }

    private static double sgemmCeiling(CpuBackend backend, CpuWorkers workers, int threads) {
        int n = 2048;
        Tensor[] a = new Tensor[threads];
        Tensor[] c = new Tensor[threads];
        try {
            for (int i = 0; i < threads; i++) {
                a[i] = random(backend, Layout.VECTOR, 10 + i, n * n);
                c[i] = Tensor.zeros(backend, Layout.VECTOR, n * n);
            }
            Runnable all = () -> workers.forEachRange(threads, (t0, t1) -> {
                for (long t = t0; t < t1; t++) {
                    HostFloatStorage x = HostFloatStorage.of(a[(int) t].storage());
                    OpenBlas.sgemm(org.sparkmec.engine.backend.Transpose.NONE, org.sparkmec.engine.backend.Transpose.NONE,
                            n, n, n, 1f, x, 0, n, x, 0, n, 0f, HostFloatStorage.of(c[(int) t].storage()), 0, n);
                }
            });
            double ms = Timing.interleavedMedians(1, 3, List.of(all))[0];
            return 2.0 * n * n * n * threads / ms / 1e6;
        } finally {
            for (int i = 0; i < threads; i++) {
                if (a[i] != null) {
                    a[i].close();
                }
                if (c[i] != null) {
                    c[i].close();
                }
            }
        }
    }

    private static CpuMecWindowKernels kernels(CpuWorkers workers, ForwardOrder order) {
        return new CpuMecWindowKernels(workers, new CpuConvKernels(workers), GemmParallelism.TASKS,
                CpuMecWindowKernels.TILE_FLOATS, order, null, null);
    }
}
