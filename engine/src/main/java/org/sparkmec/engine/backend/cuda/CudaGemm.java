package org.sparkmec.engine.backend.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jcuda.Pointer;
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
 * The scratch of partial products comes from the backend's pool and shows in its live/peak device
 * bytes, not in the convolution's workspace (it is the backend's, like cuBLAS's own workspace).
 */
final class CudaGemm {
    static final long PARTIALS_BYTES = 64L << 20;

    private final CudaBackend backend;
    private final CudaDevice device;
    private final CudaConvKernels kernels;
    private final Pointer one = Pointer.to(new float[] {1f});
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
            launchRuns(p, all, p.beta(), null, 0);
        } else if (p.beta() == 1f && sameOutput(p)) {
            accumulateThroughPartials(p);
        } else {
            for (int[] wave : waveCache.computeIfAbsent(new WaveKey(p), key -> waves(p))) {
                launchRuns(p, wave, p.beta(), null, 0);
            }
        }
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
        int partials = (int) Math.max(1, Math.min(longestRun(p), PARTIALS_BYTES / Float.BYTES / block));
        try (FloatStorage scratch = backend.allocate(block * partials)) {
            int[] all = new int[p.count()];
            Arrays.setAll(all, i -> i);
            launchRuns(p, all, 1f, scratch, partials);
            kernels.sumPartials(scratch, partials, p.m(), p.n(), p.c(), p.cOffset(0), p.ldc());
        }
    }

    /** The most consecutive calls whose A and B offsets advance by constant strides. */
    private static int longestRun(GemmPlan p) {
        int best = Math.min(2, p.count());
        int len = 1;
        for (int i = 2; i < p.count(); i++) {
            boolean same = p.aOffset(i) - p.aOffset(i - 1) == p.aOffset(i - 1) - p.aOffset(i - 2)
                    && p.bOffset(i) - p.bOffset(i - 1) == p.bOffset(i - 1) - p.bOffset(i - 2);
            len = same ? len + 1 : 1;
            best = Math.max(best, len + 1);
        }
        return Math.min(best, p.count());
    }

    /**
     * Launches {@code calls} (in order) as strided batches. With {@code partials} set, call j of each
     * batch writes partial product j (dense m x n, ld = n) instead of C, batches of at most
     * {@code partialCount} calls.
     */
    private void launchRuns(GemmPlan p, int[] calls, float beta, FloatStorage partials, int partialCount) {
        int i = 0;
        while (i < calls.length) {
            int len = 1;
            long sa = 0;
            long sb = 0;
            long sc = 0;
            if (i + 1 < calls.length) {
                sa = p.aOffset(calls[i + 1]) - p.aOffset(calls[i]);
                sb = p.bOffset(calls[i + 1]) - p.bOffset(calls[i]);
                sc = p.cOffset(calls[i + 1]) - p.cOffset(calls[i]);
                len = 2;
                int limit = partials == null ? Integer.MAX_VALUE : partialCount;
                while (i + len < calls.length && len < limit
                        && p.aOffset(calls[i + len]) - p.aOffset(calls[i + len - 1]) == sa
                        && p.bOffset(calls[i + len]) - p.bOffset(calls[i + len - 1]) == sb
                        && p.cOffset(calls[i + len]) - p.cOffset(calls[i + len - 1]) == sc) {
                    len++;
                }
                if (partials != null && partialCount == 1) {
                    len = 1;
                }
            }
            int first = calls[i];
            if (partials != null) {
                batch(p, first, sa, sb, partials, 0, p.n(), (long) p.m() * p.n(), beta, len);
            } else {
                batch(p, first, sa, sb, p.c(), p.cOffset(first), p.ldc(), sc, beta, len);
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
