package org.sparkmec.engine.backend.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasOperation;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * Runs a {@link GemmPlan} with cuBLAS, in as few launches as its structure allows.
 *
 * <p>Row-major to cuBLAS's column-major: {@code C = op(A) op(B)} (row-major, m x n) is
 * {@code C^T = op(B)^T op(A)^T} (column-major, n x m), so every call passes B before A with the same
 * leading dimensions. Calls whose operand offsets advance by constant strides form a <em>run</em> and
 * go to one {@code cublasSgemmStridedBatched} (MEC solution A's o_h windows are one run).
 * <ul>
 *   <li>Disjoint outputs: the runs in order.</li>
 *   <li>Overlapping outputs, all into the same C with {@code beta = 1} (MEC's weight gradient): the
 *       calls accumulate into up to {@code P} partial products, one strided batch at a time, which
 *       one kernel then adds to C; P is bounded by {@value #PARTIALS_BYTES} bytes of scratch.</li>
 *   <li>Other overlapping outputs (MEC's lowered-gradient windows): the calls are split into waves of
 *       pairwise disjoint outputs, each wave's runs batched. With {@code beta = 1} the calls only
 *       accumulate, so a wave may take any call whose earlier conflicting calls are in other waves
 *       (graph colouring; rounding order changes, the sum does not); otherwise a call goes to the wave
 *       after all its earlier conflicting calls, which keeps list-order semantics.</li>
 * </ul>
 * Where that would take more than {@value #MAX_STRIDED_LAUNCHES} strided batches (MEC solution B: one
 * run per image), the calls go to one {@code cublasSgemmBatched} with device arrays of operand
 * pointers instead (per wave; for partial products, per group of P calls). The scratch of partial products comes from the backend's pool and shows in its live/peak device
 * bytes, not in the convolution's workspace (it is the backend's, like cuBLAS's own workspace).
 */
final class CudaGemm {
    static final long PARTIALS_BYTES = 64L << 20;
    /** Above this many strided batches a plan (or wave) goes to one pointer-array batched GEMM instead. */
    static final int MAX_STRIDED_LAUNCHES = 4;

    private final CudaBackend backend;
    private final CudaDevice device;
    private final CudaConvKernels kernels;
    private final Pointer one = Pointer.to(new float[] {1f});
    /** Device arrays of operand pointers of recent pointer-array batches, by content. */
    private final Map<AddressKey, FloatStorage> pointerArrays = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AddressKey, FloatStorage> eldest) {
            if (size() > 64) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    /** A pointer array's content as a map key. */
    private record AddressKey(long[] addresses) {
        @Override
        public boolean equals(Object o) {
            return o instanceof AddressKey k && Arrays.equals(k.addresses, addresses);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(addresses);
        }
    }

    /** Wave splits of recent overlapping plans: a training step repeats the same plans every time. */
    private final Map<WaveKey, List<int[]>> waveCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<WaveKey, List<int[]>> eldest) {
            return size() > 64;
        }
    };

    /** What a wave split depends on: the C block shape, the beta rule and every call's C offset. */
    private static final class WaveKey {
        final int m;
        final int n;
        final int ldc;
        final boolean accumulate;
        final long[] cOffsets;
        final int hash;

        WaveKey(GemmPlan p) {
            this.m = p.m();
            this.n = p.n();
            this.ldc = p.ldc();
            this.accumulate = p.beta() == 1f;
            this.cOffsets = new long[p.count()];
            Arrays.setAll(cOffsets, p::cOffset);
            this.hash = Objects.hash(m, n, ldc, accumulate, Arrays.hashCode(cOffsets));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WaveKey k && k.m == m && k.n == n && k.ldc == ldc && k.accumulate == accumulate
                    && Arrays.equals(k.cOffsets, cOffsets);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    CudaGemm(CudaBackend backend, CudaDevice device, CudaConvKernels kernels) {
        this.backend = backend;
        this.device = device;
        this.kernels = kernels;
    }

    void run(GemmPlan p) {
        device.makeCurrent();
        int[] all = new int[p.count()];
        Arrays.setAll(all, i -> i);
        if (p.outputs() == GemmPlan.Outputs.DISJOINT || p.count() == 1) {
            launchDisjoint(p, all, p.beta());
        } else if (p.beta() == 1f && sameOutput(p)) {
            accumulateThroughPartials(p);
        } else {
            for (int[] wave : waveCache.computeIfAbsent(new WaveKey(p), key -> waves(p))) {
                launchDisjoint(p, wave, p.beta());
            }
        }
    }

    /** Calls with pairwise disjoint outputs: a few strided batches, or one pointer-array batch. */
    private void launchDisjoint(GemmPlan p, int[] calls, float beta) {
        if (runCount(p, calls) <= MAX_STRIDED_LAUNCHES) {
            launchRuns(p, calls, beta, null, 0);
        } else {
            pointerBatch(p, calls, 0, calls.length, beta, null);
        }
    }

    /** How many strided batches {@link #launchRuns} would issue for {@code calls} (no partials). */
    private static int runCount(GemmPlan p, int[] calls) {
        int runs = 0;
        for (int i = 0; i < calls.length; i += runLength(p, calls, i, Integer.MAX_VALUE)) {
            runs++;
        }
        return runs;
    }

    /**
     * How many calls from {@code calls[from]} on, at most {@code limit}, advance their A, B and C offsets
     * by the same strides as the first two: one strided batch.
     */
    private static int runLength(GemmPlan p, int[] calls, int from, int limit) {
        if (limit < 2 || from + 1 >= calls.length) {
            return 1;
        }
        int first = calls[from];
        int second = calls[from + 1];
        int len = 2;
        while (from + len < calls.length && len < limit
                && sameStep(p, first, second, calls[from + len - 1], calls[from + len])) {
            len++;
        }
        return len;
    }

    private static boolean sameStep(GemmPlan p, int first, int second, int prev, int next) {
        return p.aOffset(next) - p.aOffset(prev) == p.aOffset(second) - p.aOffset(first)
                && p.bOffset(next) - p.bOffset(prev) == p.bOffset(second) - p.bOffset(first)
                && p.cOffset(next) - p.cOffset(prev) == p.cOffset(second) - p.cOffset(first);
    }

    /**
     * One {@code cublasSgemmBatched} over {@code calls[from, to)}, their operands given as device arrays
     * of pointers. With {@code partials}, call j of the range writes partial product j (dense m x n)
     * instead of its C. The pointer arrays are uploaded once and kept for plans seen again (a training
     * step repeats them; the pool hands out the same blocks).
     */
    private void pointerBatch(GemmPlan p, int[] calls, int from, int to, float beta, FloatStorage partials) {
        int count = to - from;
        long[] addresses = new long[3 * count];
        DeviceFloatStorage a = DeviceFloatStorage.of(p.a());
        DeviceFloatStorage b = DeviceFloatStorage.of(p.b());
        DeviceFloatStorage c = DeviceFloatStorage.of(partials == null ? p.c() : partials);
        long block = (long) p.m() * p.n();
        for (int j = 0; j < count; j++) {
            int call = calls[from + j];
            addresses[j] = b.address(p.bOffset(call));
            addresses[count + j] = a.address(p.aOffset(call));
            addresses[2 * count + j] = c.address(partials == null ? p.cOffset(call) : j * block);
        }
        FloatStorage arrays = pointerArrays.get(new AddressKey(addresses));
        if (arrays == null) {
            arrays = backend.allocateInternal(2L * addresses.length);
            JCudaDriver.cuMemcpyHtoD(DeviceFloatStorage.of(arrays).at(0), Pointer.to(addresses),
                    (long) addresses.length * Long.BYTES);
            pointerArrays.put(new AddressKey(addresses), arrays);
        }
        DeviceFloatStorage d = DeviceFloatStorage.of(arrays);
        int opA = p.transA() == Transpose.NONE ? cublasOperation.CUBLAS_OP_N : cublasOperation.CUBLAS_OP_T;
        int opB = p.transB() == Transpose.NONE ? cublasOperation.CUBLAS_OP_N : cublasOperation.CUBLAS_OP_T;
        int ldc = partials == null ? p.ldc() : p.n();
        JCublas2.cublasSgemmBatched(device.cublas(), opB, opA, p.n(), p.m(), p.k(), Pointer.to(new float[] {p.alpha()}),
                d.at(0), p.ldb(), d.at(2L * count), p.lda(), beta == 1f ? one : Pointer.to(new float[] {beta}),
                d.at(4L * count), ldc, count);
    }

    /** Frees the cached pointer arrays. */
    void close() {
        pointerArrays.values().forEach(FloatStorage::close);
        pointerArrays.clear();
    }

    private static boolean sameOutput(GemmPlan p) {
        for (int i = 1; i < p.count(); i++) {
            if (p.cOffset(i) != p.cOffset(0)) {
                return false;
            }
        }
        return true;
    }

    private void accumulateThroughPartials(GemmPlan p) {
        long block = (long) p.m() * p.n();
        int cap = (int) Math.max(1, Math.min(p.count(), PARTIALS_BYTES / Float.BYTES / block));
        int[] all = new int[p.count()];
        Arrays.setAll(all, i -> i);
        int run = longestRun(p, all);
        boolean strided = (p.count() + run - 1) / run <= MAX_STRIDED_LAUNCHES;
        int partials = strided ? Math.min(run, cap) : cap;
        try (FloatStorage scratch = backend.allocate(block * partials)) {
            if (strided) {
                launchRuns(p, all, 1f, scratch, partials);
            } else {
                for (int from = 0; from < all.length; from += partials) {
                    pointerBatch(p, all, from, Math.min(all.length, from + partials), 1f, scratch);
                }
            }
            kernels.sumPartials(scratch, partials, p.m(), p.n(), p.c(), p.cOffset(0), p.ldc());
        }
    }

    /** The most consecutive calls whose offsets advance by constant strides (one strided batch). */
    private static int longestRun(GemmPlan p, int[] calls) {
        int best = 1;
        for (int i = 0; i < calls.length; ) {
            int len = runLength(p, calls, i, Integer.MAX_VALUE);
            best = Math.max(best, len);
            i += len;
        }
        return best;
    }

    /**
     * Launches {@code calls} (in order) as strided batches. With {@code partials} set, call j of each
     * batch writes partial product j (dense m x n, ld = n) instead of C, batches of at most
     * {@code partialCount} calls.
     */
    private void launchRuns(GemmPlan p, int[] calls, float beta, FloatStorage partials, int partialCount) {
        int limit = partials == null ? Integer.MAX_VALUE : partialCount;
        for (int i = 0; i < calls.length; ) {
            int len = runLength(p, calls, i, limit);
            int first = calls[i];
            int second = len > 1 ? calls[i + 1] : first;
            long sa = p.aOffset(second) - p.aOffset(first);
            long sb = p.bOffset(second) - p.bOffset(first);
            if (partials != null) {
                batch(p, first, sa, sb, partials, 0, p.n(), (long) p.m() * p.n(), beta, len);
            } else {
                batch(p, first, sa, sb, p.c(), p.cOffset(first), p.ldc(), p.cOffset(second) - p.cOffset(first), beta, len);
            }
            i += len;
        }
    }

    private void batch(GemmPlan p, int first, long strideA, long strideB, FloatStorage c, long cOffset, int ldc,
                       long strideC, float beta, int count) {
        int opA = p.transA() == Transpose.NONE ? cublasOperation.CUBLAS_OP_N : cublasOperation.CUBLAS_OP_T;
        int opB = p.transB() == Transpose.NONE ? cublasOperation.CUBLAS_OP_N : cublasOperation.CUBLAS_OP_T;
        Pointer alpha = Pointer.to(new float[] {p.alpha()});
        Pointer betaP = beta == 1f ? one : Pointer.to(new float[] {beta});
        Pointer a = DeviceFloatStorage.of(p.a()).at(p.aOffset(first));
        Pointer b = DeviceFloatStorage.of(p.b()).at(p.bOffset(first));
        Pointer cp = DeviceFloatStorage.of(c).at(cOffset);
        if (count == 1) {
            JCublas2.cublasSgemm(device.cublas(), opB, opA, p.n(), p.m(), p.k(), alpha, b, p.ldb(), a, p.lda(), betaP,
                    cp, ldc);
        } else {
            JCublas2.cublasSgemmStridedBatched(device.cublas(), opB, opA, p.n(), p.m(), p.k(), alpha, b, p.ldb(), strideB,
                    a, p.lda(), strideA, betaP, cp, ldc, strideC, count);
        }
    }

    /** Splits an overlapping plan into waves of calls with pairwise disjoint outputs (see the class comment). */
    static List<int[]> waves(GemmPlan p) {
        int count = p.count();
        Integer[] byOffset = new Integer[count];
        Arrays.setAll(byOffset, i -> i);
        Arrays.sort(byOffset, (x, y) -> Long.compare(p.cOffset(x), p.cOffset(y)));
        int[] rank = new int[count];
        for (int r = 0; r < count; r++) {
            rank[byOffset[r]] = r;
        }
        long reach = (long) p.m() * p.ldc();
        boolean accumulate = p.beta() == 1f;
        int[] wave = new int[count];
        Arrays.fill(wave, -1);
        int waves = 0;
        for (int i = 0; i < count; i++) {
            long used = 0;
            List<Integer> usedHigh = new ArrayList<>();
            int latest = -1;
            for (int dir = -1; dir <= 1; dir += 2) {
                for (int r = rank[i] + dir; r >= 0 && r < count; r += dir) {
                    int j = byOffset[r];
                    if (Math.abs(p.cOffset(j) - p.cOffset(i)) >= reach) {
                        break;
                    }
                    if (wave[j] < 0 || !conflict(p, i, j)) {
                        continue;
                    }
                    latest = Math.max(latest, wave[j]);
                    if (wave[j] < 64) {
                        used |= 1L << wave[j];
                    } else {
                        usedHigh.add(wave[j]);
                    }
                }
            }
            int w;
            if (accumulate) {
                w = 0;
                while (w < 64 ? (used & (1L << w)) != 0 : usedHigh.contains(w)) {
                    w++;
                }
            } else {
                w = latest + 1;
            }
            wave[i] = w;
            waves = Math.max(waves, w + 1);
        }
        List<int[]> out = new ArrayList<>();
        for (int w = 0; w < waves; w++) {
            final int target = w;
            out.add(java.util.stream.IntStream.range(0, count).filter(i -> wave[i] == target).toArray());
        }
        return out;
    }

    /**
     * Whether calls i and j write a common element of C: each writes rows {@code [0, m)} of n floats at
     * {@code ldc} strides from its offset.
     */
    static boolean conflict(GemmPlan p, int i, int j) {
        long d = Math.abs(p.cOffset(j) - p.cOffset(i));
        long q = d / p.ldc();
        long rem = d % p.ldc();
        int m = p.m();
        int n = p.n();
        return (rem < n && q <= m - 1) || (p.ldc() - rem < n && q + 1 <= m - 1);
    }
}
