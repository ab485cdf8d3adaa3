package org.sparkmec.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The CUDA backend's layer kernels, GEMM plans and allocator against the CPU backend on the same random
 * inputs. Element-wise and pooling kernels must match exactly (same float operations); sums and GEMMs
 * within {@code atol = 1e-5 * terms, rtol = 1e-5}. Skipped, with the reason, where no GPU can be used.
 */
@Tag("gpu")
class CudaKernelsTest {
    private static CudaBackend gpu;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        gpu = Gpu.openOrSkip();
        cpu = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** The same values on both backends. */
    private record Pair(FloatStorage onCpu, FloatStorage onGpu) implements AutoCloseable {
        static Pair random(long n, long seed) {
            float[] v = new float[(int) n];
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            return of(v);
        }

        static Pair of(float[] v) {
            FloatStorage c = cpu.allocate(v.length);
            FloatStorage g = gpu.allocate(v.length);
            c.copyFrom(v, 0, 0, v.length);
            g.copyFrom(v, 0, 0, v.length);
            return new Pair(c, g);
        }

        void assertSame(String what, double atol, double rtol) {
            int n = (int) onCpu.length();
            float[] a = new float[n];
            float[] b = new float[n];
            onCpu.copyTo(0, a, 0, n);
            onGpu.copyTo(0, b, 0, n);
            assertAllClose(what, a, b, atol, rtol);
        }

        @Override
        public void close() {
            onCpu.close();
            onGpu.close();
        }
    }

    @Test
    void elementWiseKernelsMatchTheCpu() {
        int n = 100_003;
        try (Pair in = Pair.random(n, 1); Pair grad = Pair.random(n, 2); Pair mask = Pair.random(n, 3);
             Pair out = Pair.random(n, 4); Pair dIn = Pair.random(n, 5)) {
            both((b, p) -> b.nnKernels().reluForward(p[0], p[1], n), in, out);
            out.assertSame("relu forward", 0, 0);
            both((b, p) -> b.nnKernels().reluBackward(p[0], p[1], p[2], n), in, grad, dIn);
            dIn.assertSame("relu backward", 0, 0);
            both((b, p) -> b.nnKernels().multiply(p[0], p[1], p[2], n), in, mask, out);
            out.assertSame("multiply", 0, 0);
        }
    }

    @Test
    void poolingKernelsMatchTheCpu() {
        // windows that do not overlap (the first: max-pool backward's one-pass form) and that do (two passes)
        List<PoolGeometry> shapes = List.of(new PoolGeometry(3, 9, 7, 5, 2, 2, 2, 2, 0, 0),
                new PoolGeometry(2, 8, 9, 3, 3, 3, 2, 2, 1, 1), new PoolGeometry(1, 7, 7, 17, 3, 2, 1, 3, 1, 1),
                new PoolGeometry(3, 5, 6, 1, 2, 3, 1, 1, 0, 1),
                // max-pool backward's argmax scratch (4M window codes) in 3 chunks of 1 image
                new PoolGeometry(3, 1200, 1200, 2, 2, 2, 1, 1, 0, 0),
                // its one-pass form: an image with more outputs than the scratch, a window of 65,536 positions
                new PoolGeometry(1, 2100, 2100, 1, 2, 2, 1, 1, 0, 0), new PoolGeometry(2, 256, 256, 1, 256, 256, 1, 1, 0, 0));
        for (PoolGeometry g : shapes) {
            long inN = (long) g.batch() * g.inH() * g.inW() * g.channels();
            long outN = (long) g.batch() * g.outH() * g.outW() * g.channels();
            float[] values = new float[(int) inN];
            SplittableRandom rnd = new SplittableRandom(g.hashCode());
            for (int i = 0; i < values.length; i++) {
                values[i] = rnd.nextInt(5) / 4f; // ties, so the first-max rule is exercised
            }
            try (Pair in = Pair.of(values); Pair out = Pair.random(outN, 2); Pair gradOut = Pair.random(outN, 3);
                 Pair gradIn = Pair.random(inN, 4)) {
                both((b, p) -> b.nnKernels().maxPoolForward(p[0], g, p[1]), in, out);
                out.assertSame("max pool forward " + g, 0, 0);
                both((b, p) -> b.nnKernels().maxPoolBackward(p[0], p[1], p[2], g, p[3]), in, out, gradOut, gradIn);
                gradIn.assertSame("max pool backward " + g, 1e-6, 1e-6);
                both((b, p) -> b.nnKernels().avgPoolForward(p[0], g, p[1]), in, out);
                out.assertSame("avg pool forward " + g, 1e-6, 1e-6);
                both((b, p) -> b.nnKernels().avgPoolBackward(p[0], g, p[1]), gradOut, gradIn);
                gradIn.assertSame("avg pool backward " + g, 1e-6, 1e-6);
            }
        }
    }

    /**
     * Channel copies into and out of a channel range, exactly equal (a copy): odd widths (the scalar kernel),
     * widths, strides and offsets that are multiples of 4 (the 4-wide kernel), and whole contiguous rows. The
     * destination starts random, so the floats outside the range must be left as they are on both backends.
     */
    @Test
    void channelCopyMatchesTheCpu() {
        long pixels = 2 * 5 * 7;
        int[][] cases = {
            // srcStride, srcOffset, dstStride, dstOffset, channels
            {1, 0, 9, 0, 1}, {3, 0, 9, 1, 3}, {5, 0, 9, 4, 5}, {9, 4, 5, 0, 5}, {7, 2, 11, 6, 3},
            {8, 0, 12, 4, 8}, {12, 4, 8, 0, 8}, {4, 0, 4, 0, 4}, {6, 0, 6, 0, 6}};
        for (int[] c : cases) {
            try (Pair src = Pair.random(pixels * c[0], c[0]); Pair dst = Pair.random(pixels * c[2], c[2] + 100)) {
                both((b, p) -> b.nnKernels().copyChannels(p[0], c[0], c[1], p[1], c[2], c[3], pixels, c[4]), src, dst);
                dst.assertSame("copyChannels " + Arrays.toString(c), 0, 0);
            }
        }
    }

    @Test
    void softmaxCrossEntropyMatchesTheCpu() {
        int rows = 37;
        int classes = 11;
        float[] labels = new float[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = (r * 7) % classes;
        }
        try (Pair logits = Pair.random((long) rows * classes, 9); Pair y = Pair.of(labels);
             Pair grad = Pair.random((long) rows * classes, 10); Pair stats = Pair.random(3L * rows, 11)) {
            both((b, p) -> b.nnKernels().softmaxCrossEntropy(p[0], p[1], rows, classes, p[2], p[3]), logits, y, grad, stats);
            grad.assertSame("softmax gradient", 1e-7, 1e-6);
            stats.assertSame("softmax row losses", 1e-7, 1e-6);
        }
    }

    @Test
    void convKernelsSumRowsAddBiasAndSwapMatchTheCpu() {
        long rows = 3 * 222 * 222;
        int channels = 64;
        try (Pair grad = Pair.random(rows * channels, 1); Pair dBias = Pair.random(channels, 2);
             Pair bias = Pair.random(channels, 3); Pair swapped = Pair.random(rows * channels, 4)) {
            both((b, p) -> b.kernels().sumRows(p[0], rows, channels, p[1]), grad, dBias);
            dBias.assertSame("sumRows", 1e-6 * rows, 1e-5);
            both((b, p) -> b.kernels().addBias(p[0], rows, channels, p[1]), grad, bias);
            grad.assertSame("addBias", 0, 0);
            both((b, p) -> b.kernels().swapOuterDimensions(p[0], p[1], 3, 222, 222L * channels, p[2]), grad, swapped, bias);
            swapped.assertSame("swap with bias", 0, 0);
            both((b, p) -> b.kernels().swapOuterDimensions(p[0], p[1], 222, 3, 222L * channels, null), grad, swapped);
            swapped.assertSame("swap", 0, 0);
            both((b, p) -> b.kernels().copy(p[0], 5, p[1], 11, 1000), grad, swapped);
            swapped.assertSame("copy at offsets", 0, 0);
            both((b, p) -> b.kernels().zero(p[0], 3, 777), swapped);
            swapped.assertSame("zero at an offset", 0, 0);
        }
        try (Pair grad = Pair.random(32L * 4096, 5); Pair dBias = Pair.random(4096, 6)) {
            both((b, p) -> b.kernels().sumRows(p[0], 32, 4096, p[1]), grad, dBias);
            dBias.assertSame("sumRows, few rows", 1e-6 * 32, 1e-5);
        }
    }

    /** Disjoint strided runs, runs broken by irregular offsets, overlapping windows, and one shared C. */
    @Test
    void gemmPlansMatchTheCpu() {
        int m = 13;
        int n = 7;
        int k = 9;
        int ldc = 40;
        try (Pair a = Pair.random(20_000, 1); Pair b = Pair.random(5_000, 2); Pair c = Pair.random(20_000, 3)) {
            // Disjoint: 5 calls at stride 3 then 4 irregular ones, A transposed.
            both((bk, p) -> bk.gemm(plan(Transpose.TRANSPOSE, Transpose.NONE, m, n, k, p, 20, n, ldc, 0f,
                    GemmPlan.Outputs.DISJOINT, new long[][] {{0, 0, 0}, {3, 0, 600}, {6, 0, 1200}, {9, 0, 1800},
                            {12, 0, 2400}, {100, 50, 3000}, {7, 9, 3700}, {300, 11, 4400}, {1, 2, 9000}})), a, b, c);
            c.assertSame("disjoint runs", 1e-5 * k, 1e-5);
            // Overlapping windows with beta = 1 (MEC's lowered gradient): C offsets 9 apart, rows of 27 floats.
            long[][] windows = new long[12][];
            for (int h = 0; h < 12; h++) {
                windows[h] = new long[] {(long) h * m * n, 0, 9L * h};
            }
            both((bk, p) -> bk.gemm(plan(Transpose.NONE, Transpose.TRANSPOSE, m, 27, n, p, n, n, 200, 1f,
                    GemmPlan.Outputs.OVERLAPPING, windows)), a, b, c);
            c.assertSame("overlapping windows, beta 1", 1e-5 * n * 12, 1e-5);
            // Overlapping with beta = 0.5: list order must be kept.
            both((bk, p) -> bk.gemm(plan(Transpose.NONE, Transpose.TRANSPOSE, m, 27, n, p, n, n, 200, 0.5f,
                    GemmPlan.Outputs.OVERLAPPING, windows)), a, b, c);
            c.assertSame("overlapping windows, beta 0.5", 1e-5 * n * 12, 1e-5);
            // All into one C with beta = 1 (MEC's weight gradient): 3 runs of 40 calls.
            long[][] same = new long[120][];
            for (int i = 0; i < 120; i++) {
                same[i] = new long[] {(i % 40) * 30L + (i / 40) * 5000L, (i % 40) * 3L, 0};
            }
            both((bk, p) -> bk.gemm(plan(Transpose.TRANSPOSE, Transpose.NONE, k, n, m, p, 30, n, ldc, 1f,
                    GemmPlan.Outputs.OVERLAPPING, same)), a, b, c);
            c.assertSame("one shared C through partial sums", 1e-5 * m * 120, 1e-5);
            // The same with 10 short runs: pointer-array batches into the partial products.
            long[][] scattered = new long[120][];
            for (int i = 0; i < 120; i++) {
                scattered[i] = new long[] {(i % 12) * 30L + (i / 12) * 1500L, (i % 12) * 3L + i / 12, 0};
            }
            both((bk, p) -> bk.gemm(plan(Transpose.TRANSPOSE, Transpose.NONE, k, n, m, p, 30, n, ldc, 1f,
                    GemmPlan.Outputs.OVERLAPPING, scattered)), a, b, c);
            c.assertSame("one shared C, pointer-array partials", 1e-5 * m * 120, 1e-5);
            // Disjoint calls in 30 short runs (MEC solution B's shape): one pointer-array batch, run twice
            // (the second time from the cached pointer arrays).
            long[][] perImage = new long[60][];
            for (int i = 0; i < 60; i++) {
                perImage[i] = new long[] {(i % 2) * 13L + (i / 2) * 200L, (i % 2) * 7L, (i % 2) * 280L + (i / 2) * 600L};
            }
            for (int repeat = 0; repeat < 2; repeat++) {
                both((bk, p) -> bk.gemm(plan(Transpose.TRANSPOSE, Transpose.NONE, m, n, k, p, 20, n, 20, 0f,
                        GemmPlan.Outputs.DISJOINT, perImage)), a, b, c);
                c.assertSame("30 short disjoint runs, pointer arrays, pass " + repeat, 1e-5 * k, 1e-5);
            }
        }
    }

    private static GemmPlan plan(Transpose ta, Transpose tb, int m, int n, int k, FloatStorage[] p, int lda, int ldb,
                                 int ldc, float beta, GemmPlan.Outputs outputs, long[][] offsets) {
        GemmPlan.Builder b = GemmPlan.builder(ta, tb, m, n, k).a(p[0], lda).b(p[1], ldb).c(p[2], ldc).beta(beta)
                .alpha(0.75f).outputs(outputs);
        for (long[] o : offsets) {
            b.add(o[0], o[1], o[2]);
        }
        return b.build();
    }

    /** Steady allocation reuses pooled blocks; closing the buffers leaves nothing live. */
    @Test
    void poolReusesBlocksAndNothingStaysLive() {
        long live = gpu.memoryTracker().liveBytes();
        for (int step = 0; step < 3; step++) {
            try (FloatStorage x = gpu.allocate(1_000_000); FloatStorage y = gpu.allocateForOverwrite(3_000)) {
                x.fillZero(0, 10);
                y.fillZero(0, 3_000);
            }
        }
        long calls = gpu.poolStats().deviceAllocations();
        try (FloatStorage x = gpu.allocate(1_000_000); FloatStorage y = gpu.allocateForOverwrite(3_000)) {
            float[] back = new float[1_000_000];
            x.copyTo(0, back, 0, back.length);
            for (float v : back) {
                assertEquals(0f, v, "a reused block handed out by allocate() must be zero-filled");
            }
        }
        assertEquals(calls, gpu.poolStats().deviceAllocations(), "a repeated step must not call cuMemAlloc");
        assertEquals(live, gpu.memoryTracker().liveBytes());
        assertTrue(gpu.poolStats().cachedBytes() >= 4_000_000L, gpu.poolStats().toString());
        assertEquals(4_194_304L, DeviceMemoryPool.sizeClass(4_000_000L));
        assertEquals(512L, DeviceMemoryPool.sizeClass(4L));
        assertEquals(16_384L, DeviceMemoryPool.sizeClass(12_000L));
    }

    /** Closing a backend frees every cached block: a new backend on the same GPU starts empty. */
    @Test
    void closeReleasesDeviceMemory() {
        CudaBackend other = new CudaBackend(gpu.deviceOrdinal());
        FloatStorage kept = other.allocate(1 << 20);
        kept.close();
        kept.close();
        assertEquals(0, other.memoryTracker().liveBytes());
        other.close();
        other.close();
        assertEquals(0, other.poolStats().cachedBytes(), "the pool keeps nothing after close");
        assertEquals(0, other.poolStats().liveBytes());
    }

    private static void both(BiConsumer<Backend, FloatStorage[]> call, Pair... pairs) {
        FloatStorage[] c = new FloatStorage[pairs.length];
        FloatStorage[] g = new FloatStorage[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            c[i] = pairs[i].onCpu();
            g[i] = pairs[i].onGpu();
        }
        call.accept(cpu, c);
        call.accept(gpu, g);
        gpu.synchronize();
    }
}
