package org.sparkmec.engine.backend.cuda;

import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * MEC's window products on the GPU as fused tiled GEMM kernels ({@code mec_fused.cu}): each of forward,
 * weight gradient and lowered gradient is one launch over every window of every image, reading L, K and
 * the NHWC output gradient where they lie (no permutation, no per-window GEMM calls), plus one
 * fixed-order sum where the reduction is split.
 *
 * <p>Plan (measured on an H200 over cv1-cv12 and ResNet layers at batch 32, docs/gpu.md): one tile
 * shape for all ({@value #BM} x {@value #BN} outputs per block of {@value #THREADS} threads, 8 x 4 per
 * thread, {@value #BK} reduction steps per stage), and split-K sized from the output tile count and the
 * GPU's multiprocessor count alone: the forward splits only when it has fewer than two tiles per
 * multiprocessor (cv6, cv12), the weight gradient (a small output over a long reduction) aims at about
 * {@value #DK_BLOCKS_PER_SM} blocks per multiprocessor. The plan depends on the shape and the GPU model
 * only, so a run gives the same bits every time (the splits are added in ascending order).
 *
 * <p>Scratch: split partial products ({@code splits x output} floats) come from the backend's pool
 * ({@link CudaBackend#allocateInternal}) for the duration of a call: they show in the pool's live and
 * peak bytes, not in the convolution's workspace (as cuBLAS's own workspace would not).
 * Limits: {@code (i_h + 2 p_h) <= 65535} (the lowered gradient's grid z).
 */
final class CudaMecWindowKernels implements MecWindowKernels {
    static final int BM = 64;
    static final int BN = 64;
    static final int BK = 16;
    static final int THREADS = 128;
    private static final String TILE = "64x64x16_8x4";
    /** Target blocks per multiprocessor of a split weight-gradient launch. */
    static final double DK_BLOCKS_PER_SM = 4.5;
    /** Target blocks per multiprocessor of a split forward launch (only below 2 tiles per multiprocessor). */
    static final int FORWARD_BLOCKS_PER_SM = 6;
    static final int MAX_DK_SPLITS = 256;
    static final int MAX_FORWARD_SPLITS = 16;
    /** Fewest reduction steps a split keeps. */
    static final int MIN_SPLIT_LENGTH = 16 * BK;
    private static final int MAX_GRID_Z = 65_535;

    /** The launch of one product: output rows and columns, reduction length and how it is split. */
    record Plan(long rows, int cols, long reduction, int splits, long splitLength) {
        int gridX() {
            return Math.toIntExact((rows + BM - 1) / BM);
        }

        int gridY() {
            return (cols + BN - 1) / BN;
        }
    }

    private final CudaBackend backend;
    private final CudaModule module;
    private final CudaConvKernels kernels;
    private final int multiprocessors;

    CudaMecWindowKernels(CudaBackend backend, CudaModule module, CudaConvKernels kernels, int multiprocessors) {
        this.backend = backend;
        this.module = module;
        this.kernels = kernels;
        this.multiprocessors = multiprocessors;
    }

    /** Forward: rows (n, h, w), columns k_c, reduction k_h*k_w*i_c. */
    static Plan forwardPlan(ConvGeometry g, int multiprocessors) {
        long rows = (long) g.batch() * g.outH() * g.outW();
        long tiles = tiles(rows, g.outC());
        int splits = 1;
        if (tiles < 2L * multiprocessors) {
            splits = (int) Math.min(MAX_FORWARD_SPLITS, ceilDiv((long) FORWARD_BLOCKS_PER_SM * multiprocessors, tiles));
        }
        return split(rows, g.outC(), g.kernelRows(), splits);
    }

    /** Weight gradient: rows k_h*k_w*i_c, columns k_c, reduction over every output row (n, h, w). */
    static Plan weightGradientPlan(ConvGeometry g, int multiprocessors) {
        long reduction = (long) g.batch() * g.outH() * g.outW();
        long tiles = tiles(g.kernelRows(), g.outC());
        int splits = (int) Math.min(MAX_DK_SPLITS, Math.max(1, Math.round(DK_BLOCKS_PER_SM * multiprocessors / tiles)));
        return split(g.kernelRows(), g.outC(), reduction, splits);
    }

    private static Plan split(long rows, int cols, long reduction, int wanted) {
        int splits = (int) Math.max(1, Math.min(wanted, reduction / MIN_SPLIT_LENGTH));
        long length = ceilDiv(ceilDiv(reduction, splits), BK) * BK;
        return new Plan(rows, cols, reduction, (int) ceilDiv(reduction, length), length);
    }

    private static long tiles(long rows, int cols) {
        return ceilDiv(rows, BM) * ceilDiv(cols, BN);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    public void forward(FloatStorage input, FloatStorage lowered, FloatStorage kernel, FloatStorage bias,
                        FloatStorage output, ConvGeometry g) {
        kernels.lowerMec(input, g, lowered);
        Plan p = forwardPlan(g, multiprocessors);
        int span = g.kW() * g.inC();
        run("forward", p, lowered, kernel, output, bias, span % 4 == 0, g.outC() % 4 == 0, g.outC() % 4 == 0, g);
    }

    @Override
    public void weightGradient(FloatStorage lowered, FloatStorage gradOutput, FloatStorage gradKernel, ConvGeometry g) {
        Plan p = weightGradientPlan(g, multiprocessors);
        int span = g.kW() * g.inC();
        run("dkernel", p, lowered, gradOutput, gradKernel, null, span % 4 == 0, g.outC() % 4 == 0, g.outC() % 4 == 0, g);
    }

    @Override
    public void loweredGradient(FloatStorage gradOutput, FloatStorage kernel, FloatStorage gradLowered, ConvGeometry g) {
        if (g.paddedH() > MAX_GRID_Z) {
            throw new IllegalArgumentException("fused MEC lowered gradient supports padded input heights up to " + MAX_GRID_Z
                    + ", got " + g.paddedH() + " for " + g);
        }
        int span = g.kW() * g.inC();
        Plan p = new Plan((long) g.batch() * g.outW(), span, 0, 1, 0);
        module.launchGrid("mec_dlowered_" + TILE, p.gridX(), p.gridY(), g.paddedH(), THREADS,
                arguments(gradOutput, kernel, gradLowered, null, p, g.outC() % 4 == 0, g.outC() % 4 == 0, span % 4 == 0, g));
    }

    private void run(String mode, Plan p, FloatStorage a, FloatStorage b, FloatStorage c, FloatStorage bias,
                     boolean vecA, boolean vecB, boolean vecC, ConvGeometry g) {
        String kernel = "mec_" + mode + "_" + TILE;
        if (p.splits() == 1) {
            module.launchGrid(kernel, p.gridX(), p.gridY(), 1, THREADS, arguments(a, b, c, bias, p, vecA, vecB, vecC, g));
            return;
        }
        long size = p.rows() * p.cols();
        try (FloatStorage partials = backend.allocateInternal(size * p.splits())) {
            module.launchGrid(kernel, p.gridX(), p.gridY(), p.splits(), THREADS,
                    arguments(a, b, partials, null, p, vecA, vecB, vecC, g));
            module.launch("mec_sum_splits", size, partials, p.splits(), size, p.cols(), bias, c);
        }
    }

    private static Object[] arguments(FloatStorage a, FloatStorage b, FloatStorage c, FloatStorage bias, Plan p,
                                      boolean vecA, boolean vecB, boolean vecC, ConvGeometry g) {
        return new Object[] {a, b, c, bias, p.rows(), p.cols(), p.reduction(), p.splitLength(), flag(vecA), flag(vecB),
            flag(vecC), g.batch(), g.outH(), g.outW(), g.outC(), g.kW() * g.inC(), g.strideH(), g.kH(), g.paddedH(),
            (long) g.loweredRowLength()};
    }

    private static int flag(boolean b) {
        return b ? 1 : 0;
    }
}
