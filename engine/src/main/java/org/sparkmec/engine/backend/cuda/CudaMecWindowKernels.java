package org.sparkmec.engine.backend.cuda;

import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * MEC's window products on the GPU as fused tiled GEMM kernels ({@code mec_fused.cu}): each of forward,
 * weight gradient and lowered gradient is one launch over every window of every image, reading L, K and
 * the NHWC output gradient where they lie (no permutation, no per-window GEMM calls), plus one
 * fixed-order sum where the reduction is split.
 *
 * <p>The forward lowers and multiplies, except for inputs whose channel count is not a multiple of 4
 * (RGB), where it reads L's elements where the input holds them (no lowering pass); the weight gradient
 * reads L, which the caller lowers.
 *
 * <p>Plan (measured on an H200 and an H100 over cv1-cv12 and ResNet layers at batch 32, docs/gpu.md): the
 * forward's two split-layout tiles ({@link #FORWARD}, {@link #FORWARD_INPUT}), {@link #DK_LARGE} for the weight
 * gradient of layers of many rows and channels, and {@link #WIDE} (64 x 64 outputs per block of 128 threads,
 * 8 x 4 per thread, {@value #BK} reduction steps per stage) elsewhere; narrow tiles for the weight gradient (32
 * rows) and lowered gradient (16 columns) of 3x3 layers on RGB input; under TF32 the tensor-core tiles
 * ({@link #TC_FORWARD} and the others, {@code mec_tc}: cp.async stages in dynamic shared memory) where i_c and k_c
 * are multiples of 4, the wide tile's TF32 kernel elsewhere; split-K sized from the output tile count and the
 * GPU alone: the forward takes the split count whose waves of blocks fill the GPU best
 * ({@link #forwardPlan(ConvGeometry, Tile, long)}), the weight gradient (a small output over a long reduction)
 * aims at about {@value #DK_BLOCKS_PER_SM} blocks per multiprocessor. The plan depends on the shape, the GPU
 * model and the compiled kernels only, so a run gives the same bits every time (the splits are added in
 * ascending order).
 *
 * <p>Scratch: split partial products ({@code splits x output} floats) come from the backend's pool
 * ({@link CudaBackend#allocateInternal}) for the duration of a call: they show in the pool's live and
 * peak bytes, not in the convolution's workspace (as cuBLAS's own workspace would not).
 * Limits: {@code (i_h + 2 p_h) <= 65535} (the lowered gradient's grid z).
 */
final class CudaMecWindowKernels implements MecWindowKernels {
    private static final Logger LOG = LoggerFactory.getLogger(CudaMecWindowKernels.class);
    /**
     * A compiled tile shape of {@code mec_fused.cu}: {@code bm x bn} outputs per block of {@code threads}, {@code bk}
     * reduction steps per stage, {@code sharedBytes} of dynamic shared memory per block (0: static only), and
     * {@code blockOverhead}, a forward block's fixed cost (prologue, epilogue, the split's partial write and sum) in
     * reduction steps for {@link #forwardPlan(ConvGeometry, Tile, long)}'s cost model.
     */
    record Tile(String name, int bm, int bn, int bk, int threads, int sharedBytes, int blockOverhead) {
        /** A tile of the FP32 SIMT core (and its TF32 variant of the wide tile): static shared memory only. */
        static Tile simt(String name, int bm, int bn, int bk, int threads) {
            return new Tile(name, bm, bn, bk, threads, 0, FORWARD_BLOCK_OVERHEAD);
        }

        /**
         * A tile of the TF32 tensor-core kernels ({@code mec_tc}) of {@code mode}: warps of {@code wm x wn} outputs,
         * {@code stages} cp.async stages laid out as {@code mec_fused.cu}'s TcLayout says: A as [bm][bk + 4] floats
         * (reduction contiguous) or, for the weight gradient, [bk][bm + 8]; B as [bk][bn + 8] or, for the lowered
         * gradient, [bn][bk + 4].
         */
        static Tile tensorCores(String mode, int bm, int bn, int bk, int wm, int wn, int stages) {
            int a = mode.equals("dkernel") ? bk * (bm + 8) : bm * (bk + 4);
            int b = mode.equals("dlowered") ? bn * (bk + 4) : bk * (bn + 8);
            return new Tile("tc_" + bm + "x" + bn + "x" + bk + "_" + wm + "x" + wn + "_" + stages, bm, bn, bk,
                    (bm / wm) * (bn / wn) * 32, 4 * stages * (a + b), TC_BLOCK_OVERHEAD);
        }
    }

    /**
     * A forward block's fixed cost in reduction steps, for {@link #forwardPlan(ConvGeometry, Tile, long)}'s cost
     * model: SIMT tiles (fitted on an H200, docs/gpu.md) and tensor-core tiles (fitted on an H100: their steps are
     * faster, so the fixed part weighs more).
     */
    static final int FORWARD_BLOCK_OVERHEAD = 128;
    static final int TC_BLOCK_OVERHEAD = 512;
    /** The tile of the backward products (except the two narrow cases below) and of the TF32 forward. */
    static final Tile WIDE = Tile.simt("64x64x16_8x4", 64, 64, 16, 128);
    /**
     * The FP32 forward from the lowered matrix: 128 x 64 outputs per block of 128 threads, 8 x 8 per thread
     * in the split layout (a thread's rows and columns in groups of 4, so a warp's 16-byte shared-memory
     * reads do not conflict), registers budgeted for 3 blocks per multiprocessor.
     */
    static final Tile FORWARD = Tile.simt("128x64x16_8x8s", 128, 64, 16, 128);
    /** The FP32 forward that reads the input directly ({@link #readsInputDirectly}): the wide tile in the split layout. */
    static final Tile FORWARD_INPUT = Tile.simt("64x64x16_8x4s", 64, 64, 16, 128);
    /**
     * The FP32 weight gradient of layers with at least {@value #DK_LARGE_MIN_COLUMNS} output channels and
     * {@value #DK_LARGE_MIN_ROWS} rows: 128 x 128 outputs per block of 256 threads, 8 x 8 per thread in the split
     * layout, 8 reduction steps per stage, registers budgeted for 2 blocks per multiprocessor.
     */
    static final Tile DK_LARGE = Tile.simt("128x128x8_8x8s", 128, 128, 8, 256);
    static final int DK_LARGE_MIN_COLUMNS = 96;
    static final int DK_LARGE_MIN_ROWS = 128;
    /** Weight gradients with at most 32 rows ({@code k_h*k_w*i_c}: 3x3 kernels on RGB input). */
    static final Tile NARROW_ROWS = Tile.simt("32x64x16_4x4", 32, 64, 16, 128);
    /** Lowered gradients with at most 16 columns ({@code k_w*i_c}: 3x3 kernels on RGB input). */
    static final Tile NARROW_COLUMNS = Tile.simt("256x16x16_8x4", 256, 16, 16, 128);
    /**
     * The TF32 products where i_c and k_c are multiples of 4 ({@link #tensorCoreTiles}): tensor cores, 128 x 128
     * outputs per block of 4 warps (64 x 64 each), 4 cp.async stages of 16 reduction steps (68-80 KiB of shared
     * memory); the forward reads the input directly. The narrow variants (128 x 64, warps of 64 x 32) for the
     * forward and weight gradient of at most 64 output channels. Measured on an H100 against other tile shapes and
     * (forward) against lowering first: docs/gpu.md.
     */
    static final Tile TC_FORWARD = Tile.tensorCores("forward_input", 128, 128, 16, 64, 64, 4);
    static final Tile TC_FORWARD_NARROW = Tile.tensorCores("forward_input", 128, 64, 16, 64, 32, 4);
    static final Tile TC_DKERNEL = Tile.tensorCores("dkernel", 128, 128, 16, 64, 64, 4);
    static final Tile TC_DKERNEL_NARROW = Tile.tensorCores("dkernel", 128, 64, 16, 64, 32, 4);
    static final Tile TC_DLOWERED = Tile.tensorCores("dlowered", 128, 128, 16, 64, 64, 4);
    /** The most output channels of the narrow tensor-core tiles. */
    static final int TC_NARROW_MAX_COLUMNS = 64;
    static final int BK = 16;
    /** Target blocks per multiprocessor of a split weight-gradient launch. */
    static final double DK_BLOCKS_PER_SM = 6.75;
    static final int MAX_DK_SPLITS = 256;
    static final int MAX_FORWARD_SPLITS = 16;
    /** Fewest reduction steps a split keeps. */
    static final int MIN_SPLIT_LENGTH = 16 * BK;
    private static final int MAX_GRID_Z = 65_535;

    /** The launch of one product: tile, output rows and columns, reduction length and how it is split. */
    record Plan(Tile tile, long rows, int cols, long reduction, int splits, long splitLength) {
        int gridX() {
            return Math.toIntExact((rows + tile.bm() - 1) / tile.bm());
        }

        int gridY() {
            return (cols + tile.bn() - 1) / tile.bn();
        }
    }

    private final CudaBackend backend;
    private final CudaModule module;
    private final CudaConvKernels kernels;
    private final int multiprocessors;
    private final CudaMath math;
    /**
     * The blocks of each forward kernel the whole GPU holds at once, indexed by {@link #forwardKernelIndex}; 0 until
     * first asked of the driver. Kept per instance so that a forward call pays no lookup (the layer benchmark's few
     * calls run interpreted).
     */
    private final AtomicLongArray forwardSlots = new AtomicLongArray(4);

    CudaMecWindowKernels(CudaBackend backend, CudaModule module, CudaConvKernels kernels, int multiprocessors,
                         CudaMath math) {
        this.backend = backend;
        this.module = module;
        this.kernels = kernels;
        this.multiprocessors = multiprocessors;
        this.math = math;
    }

    /** {@code requested}, or FP32 with a warning where TF32 tensor cores are missing (compute capability < 8). */
    static CudaMath effectiveMath(CudaMath requested, int computeMajor) {
        if (requested == CudaMath.TF32 && computeMajor < 8) {
            LOG.warn("spark.mec.cuda.math=tf32 needs a GPU of compute capability 8.0 or newer; this one is {}.x: "
                    + "using fp32", computeMajor);
            return CudaMath.FP32;
        }
        return requested;
    }

    CudaMath math() {
        return math;
    }

    /** The kernel of {@code mode} for plan {@code p}: the TF32 variant where it exists (the wide tile). */
    private String kernelName(String mode, Plan p) {
        return kernelName(mode, p.tile());
    }

    private String kernelName(String mode, Tile tile) {
        return "mec_" + mode + "_" + (math == CudaMath.TF32 && tile == WIDE ? "64x64x16_tf32" : tile.name());
    }

    /**
     * The forward's plan on this GPU: its tile, and the blocks of that tile's kernel the whole GPU holds at once
     * (multiprocessors x the driver's occupancy for the compiled kernel).
     */
    Plan forwardPlan(ConvGeometry g) {
        Tile tile = forwardTile(g, math);
        boolean input = readsInputDirectly(g, math);
        int which = forwardKernelIndex(tile, input);
        long slots = forwardSlots.get(which);
        if (slots == 0) {
            int perMultiprocessor = module.residentBlocksPerMultiprocessor(
                    kernelName(input ? "forward_input" : "forward", tile), tile.threads(), tile.sharedBytes());
            slots = (long) multiprocessors * Math.max(1, perMultiprocessor);
            forwardSlots.set(which, slots);
        }
        return forwardPlan(g, tile, slots);
    }

    /** The slot of {@link #forwardSlots} of a forward kernel: 0-1 from L and from the input, 2-3 the tensor-core tiles. */
    private static int forwardKernelIndex(Tile tile, boolean input) {
        if (tile == TC_FORWARD) {
            return 2;
        }
        return tile == TC_FORWARD_NARROW ? 3 : input ? 1 : 0;
    }

    /**
     * The forward's tile. FP32: {@link #FORWARD_INPUT} where the forward reads the input directly and {@link #FORWARD}
     * where it reads the lowered matrix (measured against the wide tile on an H100 over cv1-cv12 and the ResNet
     * layers, docs/gpu.md: faster or level on all but one). TF32: the tensor-core tiles where
     * {@link #tensorCoreTiles} ({@link #TC_FORWARD_NARROW} up to {@value #TC_NARROW_MAX_COLUMNS} channels), else
     * {@link #WIDE}'s TF32 kernel.
     */
    static Tile forwardTile(ConvGeometry g, CudaMath math) {
        if (math == CudaMath.TF32) {
            if (!tensorCoreTiles(g)) {
                return WIDE;
            }
            return g.outC() <= TC_NARROW_MAX_COLUMNS ? TC_FORWARD_NARROW : TC_FORWARD;
        }
        return readsInputDirectly(g, math) ? FORWARD_INPUT : FORWARD;
    }

    /**
     * Whether TF32 runs on the tensor-core tiles: where every row of the input, L, K, dO and dL comes in 16-byte
     * chunks of 4 channels of one pixel (i_c and k_c multiples of 4), as their cp.async copies need.
     */
    static boolean tensorCoreTiles(ConvGeometry g) {
        return g.inC() % 4 == 0 && g.outC() % 4 == 0;
    }

    /**
     * Forward: rows (n, h, w), columns k_c, reduction k_h*k_w*i_c, on a GPU that holds {@code slots} blocks of
     * the tile's kernel at once (multiprocessors x resident blocks per multiprocessor). The split count s (1 to
     * {@value #MAX_FORWARD_SPLITS}, each split at least {@value #MIN_SPLIT_LENGTH} steps long) minimises
     * {@code waves(s) x (splitLength(s) + tile.blockOverhead())}, waves(s) = ceil(tiles x s / slots): the time
     * of the launch when every block of a wave costs its reduction length plus a fixed overhead. Where the
     * tiles fill the last wave poorly (cv5: 400 tiles on 396 slots of an H100 or H200 take two waves) a few
     * splits even the waves out; layers of many tiles per slot stay unsplit. Ties go to fewer splits.
     */
    static Plan forwardPlan(ConvGeometry g, Tile tile, long slots) {
        long rows = (long) g.batch() * g.outH() * g.outW();
        long tiles = tiles(tile, rows, g.outC());
        long reduction = g.kernelRows();
        int best = 1;
        long bestCost = Long.MAX_VALUE;
        // Arithmetic only (this runs on every forward call, interpreted until the JIT compiles it); the counts
        // and lengths are those split() gives: whole stages, each split at least MIN_SPLIT_LENGTH steps.
        for (int s = 1; s <= MAX_FORWARD_SPLITS && (s == 1 || s <= reduction / MIN_SPLIT_LENGTH); s++) {
            long length = splitLength(reduction, s);
            if (ceilDiv(reduction, length) != s) {
                continue;  // the rounding to whole stages gives another count
            }
            long cost = ceilDiv(tiles * s, slots) * (length + tile.blockOverhead());
            if (cost < bestCost) {
                best = s;
                bestCost = cost;
            }
        }
        return split(tile, rows, g.outC(), reduction, best);
    }

    /** FP32 weight gradient ({@link #weightGradientPlan(ConvGeometry, int, CudaMath)}). */
    static Plan weightGradientPlan(ConvGeometry g, int multiprocessors) {
        return weightGradientPlan(g, multiprocessors, CudaMath.FP32);
    }

    /**
     * The weight gradient's tile: {@link #NARROW_ROWS} for at most 32 rows; TF32: the tensor-core tiles where
     * {@link #tensorCoreTiles} ({@link #TC_DKERNEL_NARROW} up to {@value #TC_NARROW_MAX_COLUMNS} channels); FP32:
     * {@link #DK_LARGE} for layers of many rows and channels; else {@link #WIDE}. Measured on an H100 against the wide
     * tile, each at its best split (docs/gpu.md): the large tile 0.68-0.91x on every layer of 96 to 512 channels of
     * cv1-cv12 and the ResNet set, 1.37-4.1x on the layers of 64 channels; the tensor-core tiles 0.63-0.88x of the
     * wide TF32 kernel on the 14 layers of cv1-cv12 and the ResNet set they take.
     */
    static Tile weightGradientTile(ConvGeometry g, CudaMath math) {
        if (g.kernelRows() <= NARROW_ROWS.bm()) {
            return NARROW_ROWS;
        }
        if (math == CudaMath.TF32 && tensorCoreTiles(g)) {
            return g.outC() <= TC_NARROW_MAX_COLUMNS ? TC_DKERNEL_NARROW : TC_DKERNEL;
        }
        boolean large = g.outC() >= DK_LARGE_MIN_COLUMNS && g.kernelRows() >= DK_LARGE_MIN_ROWS;
        return large && math == CudaMath.FP32 ? DK_LARGE : WIDE;
    }

    /** Weight gradient: rows k_h*k_w*i_c, columns k_c, reduction over every output row (n, h, w). */
    static Plan weightGradientPlan(ConvGeometry g, int multiprocessors, CudaMath math) {
        long reduction = (long) g.batch() * g.outH() * g.outW();
        Tile tile = weightGradientTile(g, math);
        long tiles = tiles(tile, g.kernelRows(), g.outC());
        int splits = (int) Math.min(MAX_DK_SPLITS, Math.max(1, Math.round(DK_BLOCKS_PER_SM * multiprocessors / tiles)));
        return split(tile, g.kernelRows(), g.outC(), reduction, splits);
    }

    /**
     * Lowered gradient: rows (n, w), columns k_w*i_c, one block row per padded input row (grid z); the tile:
     * {@link #NARROW_COLUMNS} for at most 16 columns, {@link #TC_DLOWERED} for TF32 where {@link #tensorCoreTiles}
     * (0.56-0.93x of the wide TF32 kernel on the 14 layers it takes, H100), else {@link #WIDE}.
     */
    static Plan loweredGradientPlan(ConvGeometry g, CudaMath math) {
        int span = g.kW() * g.inC();
        Tile tile = span <= NARROW_COLUMNS.bn() ? NARROW_COLUMNS
                : math == CudaMath.TF32 && tensorCoreTiles(g) ? TC_DLOWERED : WIDE;
        return new Plan(tile, (long) g.batch() * g.outW(), span, 0, 1, 0);
    }

    private static Plan split(Tile tile, long rows, int cols, long reduction, int wanted) {
        int splits = (int) Math.max(1, Math.min(wanted, reduction / MIN_SPLIT_LENGTH));
        long length = splitLength(reduction, splits);
        return new Plan(tile, rows, cols, reduction, (int) ceilDiv(reduction, length), length);
    }

    /** The length of each of {@code splits} splits of {@code reduction} steps, in whole stages of {@value #BK}. */
    private static long splitLength(long reduction, int splits) {
        return ceilDiv(ceilDiv(reduction, splits), BK) * BK;
    }

    private static long tiles(Tile tile, long rows, int cols) {
        return ceilDiv(rows, tile.bm()) * ceilDiv(cols, tile.bn());
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Lowers into {@code lowered} and multiplies, or, where {@link #readsInputDirectly}, reads L's elements from
     * the input and leaves {@code lowered} unused.
     */
    @Override
    public void forward(FloatStorage input, FloatStorage lowered, FloatStorage kernel, FloatStorage bias,
                        FloatStorage output, ConvGeometry g) {
        Plan p = forwardPlan(g);
        boolean vec = g.outC() % 4 == 0;
        if (readsInputDirectly(g, math)) {
            // vecA: the tensor-core tiles copy the input in 16-byte chunks (i_c % 4 == 0); the SIMT one reads floats.
            run("forward_input", p, input, kernel, output, bias, p.tile().sharedBytes() > 0, vec, vec, g);
        } else {
            kernels.lowerMec(input, g, lowered);
            run("forward", p, lowered, kernel, output, bias, true, vec, vec, g);
        }
    }

    /**
     * Whether the forward skips the lowering pass: where i_c is not a multiple of 4 (RGB input), whose
     * lowering runs one float per thread and cost about a third of the forward, and on the TF32 tensor-core tiles
     * (measured faster than lowering first, docs/gpu.md); elsewhere the FP32 direct loader's index arithmetic
     * measured slower than lowering first.
     */
    static boolean readsInputDirectly(ConvGeometry g, CudaMath math) {
        return g.inC() % 4 != 0 || (math == CudaMath.TF32 && tensorCoreTiles(g));
    }

    @Override
    public void weightGradient(FloatStorage lowered, FloatStorage gradOutput, FloatStorage gradKernel, ConvGeometry g) {
        Plan p = weightGradientPlan(g, multiprocessors, math);
        int span = g.kW() * g.inC();
        run("dkernel", p, lowered, gradOutput, gradKernel, null, span % 4 == 0, g.outC() % 4 == 0, g.outC() % 4 == 0, g);
    }

    @Override
    public void loweredGradient(FloatStorage gradOutput, FloatStorage kernel, FloatStorage gradLowered, ConvGeometry g) {
        if (g.paddedH() > MAX_GRID_Z) {
            throw new IllegalArgumentException("fused MEC lowered gradient supports padded input heights up to " + MAX_GRID_Z
                    + ", got " + g.paddedH() + " for " + g);
        }
        Plan p = loweredGradientPlan(g, math);
        module.launchGrid(kernelName("dlowered", p), p.gridX(), p.gridY(), g.paddedH(), p.tile().threads(),
                p.tile().sharedBytes(), arguments(gradOutput, kernel, gradLowered, null, p, g.outC() % 4 == 0, g.outC() % 4 == 0, p.cols() % 4 == 0, g));
    }

    /** The most output channels for which the fused backward measured faster than solution A's on every layer. */
    static final int FUSED_BACKWARD_MAX_OUTPUT_CHANNELS = 64;
    /** The fewest output rows (o_h) from which the fused backward measured faster than A's at any channel count. */
    static final int FUSED_BACKWARD_MIN_OUTPUT_ROWS = 64;

    /**
     * The fused backward for layers of at most {@value #FUSED_BACKWARD_MAX_OUTPUT_CHANNELS} output channels or at
     * least {@value #FUSED_BACKWARD_MIN_OUTPUT_ROWS} output rows, and under TF32 wherever it runs on the tensor-core
     * tiles; solution A's backward (o_h cuBLAS GEMMs accumulating dK, the dL GEMMs, the scatter-add) elsewhere.
     * Measured side by side (H100, batch 32, docs/gpu.md): at 64 channels the fused backward is 12-14% faster (cv3,
     * cv7, the stem) or 35% (cv4, cv9, res2); above 64 channels it is 7% faster on cv8 (110 output rows: A's o_h
     * GEMMs are many and small), level on cv1 and cv2 (55 and 56), 6% faster on cv12, and 1-9% slower on the other
     * layers of at most 28 output rows (cv5, cv6, cv10, cv11, res3-res5, down28); the tensor-core backward takes
     * about half of A's FP32 time on those. A rule on the shape and math alone, so a run's bits do not depend on
     * timings.
     */
    @Override
    public boolean fusedBackwardPreferred(ConvGeometry g) {
        return fusedBackwardFor(g, math);
    }

    static boolean fusedBackwardFor(ConvGeometry g, CudaMath math) {
        return g.outC() <= FUSED_BACKWARD_MAX_OUTPUT_CHANNELS || g.outH() >= FUSED_BACKWARD_MIN_OUTPUT_ROWS
                || (math == CudaMath.TF32 && tensorCoreTiles(g));
    }

    private void run(String mode, Plan p, FloatStorage a, FloatStorage b, FloatStorage c, FloatStorage bias,
                     boolean vecA, boolean vecB, boolean vecC, ConvGeometry g) {
        String kernel = kernelName(mode, p);
        int threads = p.tile().threads();
        int shared = p.tile().sharedBytes();
        if (p.splits() == 1) {
            module.launchGrid(kernel, p.gridX(), p.gridY(), 1, threads, shared,
                    arguments(a, b, c, bias, p, vecA, vecB, vecC, g));
            return;
        }
        long size = p.rows() * p.cols();
        try (FloatStorage partials = backend.allocateInternal(size * p.splits())) {
            module.launchGrid(kernel, p.gridX(), p.gridY(), p.splits(), threads, shared,
                    arguments(a, b, partials, null, p, vecA, vecB, vecC, g));
            module.launch("mec_sum_splits", size, partials, p.splits(), size, p.cols(), bias, c);
        }
    }

    private static Object[] arguments(FloatStorage a, FloatStorage b, FloatStorage c, FloatStorage bias, Plan p,
                                      boolean vecA, boolean vecB, boolean vecC, ConvGeometry g) {
        return new Object[] {a, b, c, bias, p.rows(), p.cols(), p.reduction(), p.splitLength(), flag(vecA), flag(vecB),
            flag(vecC), g.batch(), g.outH(), g.outW(), g.outC(), g.kW() * g.inC(), g.strideH(), g.kH(), g.paddedH(),
            (long) g.loweredRowLength(), g.inH(), g.inW(), g.inC(), g.strideW(), g.padH(), g.padW()};
    }

    private static int flag(boolean b) {
        return b ? 1 : 0;
    }
}
