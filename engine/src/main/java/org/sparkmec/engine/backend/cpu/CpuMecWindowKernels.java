package org.sparkmec.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * MEC's window products on the CPU as tiles (solution FUSED): a tile is one output row h for a chunk
 * of images, i.e. solution A's GEMM ({@code M = images*o_w} rows stacked across images, much larger
 * than solution B's {@code o_w}) restricted to the chunk, so that its {@code M x k_c} result fits a
 * per-thread scratch of at most {@link #TILE_FLOATS} floats. The scratch then goes to (forward) or
 * comes from (backward) its NHWC place while it is still in cache: no pass over the whole output for
 * the h-n-w-c permutation, no separate bias pass, no |O| of permutation workspace.
 *
 * <ul>
 *   <li>forward: tiles handed out to the workers one at a time (outputs are disjoint); each runs one
 *       single-threaded sgemm into its scratch and copies the rows to NHWC adding the bias. Where
 *       {@link #forwardOrder} says so, a tile is instead a chunk of images whose windows are visited
 *       input row by input row ({@link ForwardOrder#INPUT_ROWS}), accumulating into a ring of output
 *       blocks that together fit the same scratch;</li>
 *   <li>weight gradient ({@link #weightGradientSplit}): either each worker takes a fixed contiguous range
 *       of tiles, gathers each tile's output-gradient rows into its scratch and accumulates
 *       {@code A_tile^T x dO_tile} into its own partial dK, partials added in worker order
 *       ({@link WeightGradientSplit#TILES}); or each worker owns a fixed range of dK's rows and runs every
 *       tile into them ({@link WeightGradientSplit#KERNEL_ROWS}). Either way the result is the same bits
 *       on every call;</li>
 *   <li>lowered gradient ({@link #loweredGradientSplit}): either each worker owns whole image chunks
 *       (disjoint rows of dL), zeroes them and runs their windows h = 0, 1, ... in order
 *       ({@link LoweredGradientSplit#IMAGES}); or each worker owns a fixed range of dL's columns across
 *       all images and runs every window's part in it, h ascending ({@link LoweredGradientSplit#INPUT_ROWS}).
 *       Overlapping windows of one dL row never run concurrently.</li>
 * </ul>
 *
 * <p>The splits and the forward order depend on the layer's shape, the worker count and the tile size
 * only, never on timing. In {@link GemmParallelism#BLAS} mode the tiles run one after another on the
 * caller and OpenBLAS threads each sgemm. Scratch (the backend's own, not a convolution's workspace): per
 * worker at most {@link #TILE_FLOATS} floats, plus for {@link WeightGradientSplit#TILES} a
 * {@code k_h*k_w*i_c x k_c} partial per worker but the first; kept between calls, freed when the backend
 * closes. {@link WeightGradientSplit#KERNEL_ROWS} and {@link LoweredGradientSplit#INPUT_ROWS} use the tile
 * scratch only.
 */
final class CpuMecWindowKernels implements MecWindowKernels, AutoCloseable {
    /** Floats of one tile's {@code M x k_c} block (1 MiB): in the L2/L3 cache while it is copied. */
    static final long TILE_FLOATS = 1L << 18;
    /** Rows of the lowered gradient's {@code IMAGES} sgemms below which {@link #loweredGradientSplit} picks {@code INPUT_ROWS}. */
    static final int MIN_LOWERED_GRADIENT_ROWS = 512;
    /** Forward tiles per worker at least, so that handing them out one at a time balances the load. */
    private static final int TILES_PER_WORKER = 4;

    private final CpuWorkers workers;
    private final CpuConvKernels kernels;
    private final int slots;
    private final long tileFloats;
    private final ForwardOrder forcedOrder;
    private final LoweredGradientSplit forcedSplit;
    private final WeightGradientSplit forcedWeightSplit;
    private final MemoryTracker scratchTracker = new MemoryTracker("cpu-mec-fused-scratch");
    private final HostBufferCache noCache = new HostBufferCache(0, scratchTracker);
    private final HostFloatStorage[] tileScratch;
    private final HostFloatStorage[] partials;

    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism) {
        this(workers, kernels, parallelism, TILE_FLOATS, null, null, null);
    }

    /**
     * With another tile size (tests force one image per tile) and a forced forward order ({@code null}:
     * {@link #forwardOrder}'s choice per geometry).
     */
    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism, long tileFloats,
                        ForwardOrder forcedOrder, WeightGradientSplit forcedWeightSplit, LoweredGradientSplit forcedSplit) {
        this.tileFloats = tileFloats;
        this.forcedOrder = forcedOrder;
        this.forcedWeightSplit = forcedWeightSplit;
        this.forcedSplit = forcedSplit;
        this.workers = workers;
        this.kernels = kernels;
        this.slots = parallelism == GemmParallelism.TASKS ? workers.threads() : 1;
        this.tileScratch = new HostFloatStorage[slots];
        this.partials = new HostFloatStorage[slots];
    }

    /** Images per tile: the most whose {@code images*o_w x k_c} block fits a tile, then split for {@code minChunks}. */
    int imagesPerTile(ConvGeometry g, int minChunks) {
        return imagesPerTile(g, minChunks, tileFloats);
    }

    private static int imagesPerTile(ConvGeometry g, int minChunks, long tileFloats) {
        long perImage = (long) g.outW() * g.outC();
        int byScratch = (int) Math.max(1, Math.min(g.batch(), tileFloats / perImage));
        int chunks = Math.max(ceilDiv(g.batch(), byScratch), Math.min(g.batch(), minChunks));
        return ceilDiv(g.batch(), chunks);
    }

    /**
     * The order in which a forward tile visits MEC's windows.
     *
     * <ul>
     *   <li>{@code OUTPUT_ROWS}: one sgemm per output row h over the whole window
     *       ({@code K = k_h*k_w*i_c}); L's elements are read (and packed by OpenBLAS) once per window
     *       that covers them, about {@code k_h/s_h} times per pass;</li>
     *   <li>{@code INPUT_ROWS}: the window split into its {@code k_h} kernel rows; for each input row j
     *       of L ({@code k_w*i_c} columns), one sgemm per kernel row r with {@code j = h*s_h + r}
     *       accumulates into output row h's block in a ring of {@code ceil(k_h/s_h)} blocks, so the
     *       {@code k_h/s_h} reads of that part of L come from the cache. A block goes to its NHWC place
     *       (with the bias) after its last kernel row.</li>
     * </ul>
     */
    enum ForwardOrder { OUTPUT_ROWS, INPUT_ROWS }

    /** The most output channels for which {@link #forwardOrder} picks {@code INPUT_ROWS}. */
    static final int INPUT_ROWS_MAX_OUTPUT_CHANNELS = 128;
    /** The narrowest output ({@code o_w}) for which {@link #forwardOrder} picks {@code INPUT_ROWS}. */
    static final int INPUT_ROWS_MIN_OUTPUT_WIDTH = 32;

    /**
     * The order {@link #forward} takes when none is forced: {@code INPUT_ROWS} where windows overlap
     * ({@code k_h > s_h}), the output has at most {@value #INPUT_ROWS_MAX_OUTPUT_CHANNELS} channels and is at
     * least {@value #INPUT_ROWS_MIN_OUTPUT_WIDTH} wide. With few output columns, OpenBLAS's packing of L weighs
     * on an output-row sgemm, and reading each row of L from the cache pays. Measured on cv1-cv12, three runs of
     * 7 alternating rounds on a quiet 2-vCPU Zen 5 (docs/cpu.md): input-row order 1.23-1.28x as fast on cv4, 1.10-1.20x
     * on cv1-cv3, 1.00-1.12x on cv9, 1.02-1.07x on cv7, level on cv8 (0.93-1.13x, median 1.02 over 7 runs); slower on cv10 (0.88-0.92x: 128 channels
     * but 26 wide) and on every layer of 256 or more channels (0.56-0.80x).
     */
    static ForwardOrder forwardOrder(ConvGeometry g) {
        boolean overlapping = g.kH() > g.strideH();
        boolean fewOutputs = g.outC() <= INPUT_ROWS_MAX_OUTPUT_CHANNELS;
        boolean wideOutput = g.outW() >= INPUT_ROWS_MIN_OUTPUT_WIDTH;
        return overlapping && fewOutputs && wideOutput ? ForwardOrder.INPUT_ROWS : ForwardOrder.OUTPUT_ROWS;
    }

    @Override
    public void forward(FloatStorage input, FloatStorage lowered, FloatStorage kernel, FloatStorage bias,
                        FloatStorage output, ConvGeometry g) {
        kernels.lowerMec(input, g, lowered);
        HostFloatStorage l = HostFloatStorage.of(lowered);
        HostFloatStorage k = HostFloatStorage.of(kernel);
        HostFloatStorage out = HostFloatStorage.of(output);
        float[] b = bias == null ? null : CpuConvKernels.toArray(bias);
        ForwardOrder order = forcedOrder != null ? forcedOrder : forwardOrder(g);
        if (order == ForwardOrder.INPUT_ROWS) {
            forwardByInputRows(l, k, b, out, g);
        } else {
            forwardByOutputRows(l, k, b, out, g);
        }
    }

    private void forwardByOutputRows(HostFloatStorage l, HostFloatStorage k, float[] b, HostFloatStorage out, ConvGeometry g) {
        int nc = imagesPerTile(g, ceilDiv(TILES_PER_WORKER * slots, g.outH()));
        int chunks = ceilDiv(g.batch(), nc);
        int tiles = g.outH() * chunks;
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        AtomicInteger next = new AtomicInteger();
        forEachSlot(slot -> {
            HostFloatStorage scratch = scratch(slot, (long) nc * block);
            float[] chunk = biasChunk(b, kc);
            for (int t; (t = next.getAndIncrement()) < tiles; ) {
                int h = t / chunks;
                int n0 = (t % chunks) * nc;
                int images = Math.min(nc, g.batch() - n0);
                OpenBlas.sgemm(Transpose.NONE, Transpose.NONE, images * ow, kc, g.kernelRows(), 1f,
                        l, windowOffset(g, n0, h), g.loweredRowLength(), k, 0, kc, 0f, scratch, 0, kc);
                writeOutputRows(scratch, 0, out, g, n0, images, h, b, chunk);
            }
        });
    }

    /**
     * {@link ForwardOrder#INPUT_ROWS}: tiles are image chunks (handed out one at a time); in a chunk, input
     * row j's part of L meets kernel row r for every output row {@code h = (j - r)/s_h} in range, r
     * ascending, so each output block starts at r = 0 ({@code beta = 0}) and is complete at r = k_h - 1.
     */
    private void forwardByInputRows(HostFloatStorage l, HostFloatStorage k, float[] b, HostFloatStorage out, ConvGeometry g) {
        int ring = ceilDiv(g.kH(), g.strideH());
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        long byScratch = Math.max(1, tileFloats / (block * ring));
        int nc = (int) Math.min(byScratch, ceilDiv(g.batch(), Math.min(g.batch(), TILES_PER_WORKER * slots)));
        int chunks = ceilDiv(g.batch(), nc);
        int span = g.kW() * g.inC();
        int rowsCovered = (g.outH() - 1) * g.strideH() + g.kH();
        AtomicInteger next = new AtomicInteger();
        forEachSlot(slot -> {
            HostFloatStorage scratch = scratch(slot, (long) nc * block * ring);
            float[] chunk = biasChunk(b, kc);
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int n0 = c * nc;
                int images = Math.min(nc, g.batch() - n0);
                long ringBlock = (long) images * block;
                for (int j = 0; j < rowsCovered; j++) {
                    for (int r = j % g.strideH(); r < g.kH() && r <= j; r += g.strideH()) {
                        int h = (j - r) / g.strideH();
                        if (h >= g.outH()) {
                            continue;
                        }
                        long at = (h % ring) * ringBlock;
                        OpenBlas.sgemm(Transpose.NONE, Transpose.NONE, images * ow, kc, span, 1f,
                                l, windowOffset(g, n0, 0) + (long) j * span, g.loweredRowLength(),
                                k, (long) r * span * kc, kc, r == 0 ? 0f : 1f, scratch, at, kc);
                        if (r == g.kH() - 1) {
                            writeOutputRows(scratch, at, out, g, n0, images, h, b, chunk);
                        }
                    }
                }
            }
        });
    }

    private static float[] biasChunk(float[] bias, int channels) {
        return bias == null ? null : new float[Math.max(channels, CpuConvKernels.CHUNK)];
    }

    /** Copies a finished {@code images*o_w x k_c} block to output row h of those images, adding the bias. */
    private static void writeOutputRows(HostFloatStorage scratch, long at, HostFloatStorage out, ConvGeometry g,
                                        int n0, int images, int h, float[] bias, float[] chunk) {
        long block = (long) g.outW() * g.outC();
        for (int i = 0; i < images; i++) {
            long from = scratch.addressOf(at + i * block);
            long to = out.addressOf(outputRowsOffset(g, n0 + i, h));
            if (bias == null) {
                NativeMemory.copy(from, to, block * Float.BYTES);
            } else {
                CpuConvKernels.copyAddingBias(from, to, block, bias, chunk);
            }
        }
    }

    @Override
    public void weightGradient(FloatStorage lowered, FloatStorage gradOutput, FloatStorage gradKernel, ConvGeometry g) {
        HostFloatStorage l = HostFloatStorage.of(lowered);
        HostFloatStorage dOut = HostFloatStorage.of(gradOutput);
        HostFloatStorage dK = HostFloatStorage.of(gradKernel);
        if (weightSplit(g) == WeightGradientSplit.KERNEL_ROWS) {
            weightGradientByKernelRows(l, dOut, dK, g);
            return;
        }
        int nc = imagesPerTile(g, 1);
        int chunks = ceilDiv(g.batch(), nc);
        int tiles = g.outH() * chunks;
        int used = Math.min(slots, tiles);
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        long dkLength = (long) g.kernelRows() * kc;
        forEachSlot(slot -> {
            if (slot >= used) {
                return;
            }
            HostFloatStorage scratch = scratch(slot, (long) nc * block);
            HostFloatStorage target = slot == 0 ? dK : partial(slot, dkLength);
            int first = (int) ((long) tiles * slot / used);
            int end = (int) ((long) tiles * (slot + 1) / used);
            for (int t = first; t < end; t++) {
                int h = t / chunks;
                int n0 = (t % chunks) * nc;
                int images = Math.min(nc, g.batch() - n0);
                gatherRows(dOut, scratch, g, n0, images, h);
                OpenBlas.sgemm(Transpose.TRANSPOSE, Transpose.NONE, g.kernelRows(), kc, images * ow, 1f,
                        l, windowOffset(g, n0, h), g.loweredRowLength(), scratch, 0, kc,
                        t == first ? 0f : 1f, target, 0, kc);
            }
        });
        if (used > 1) {
            // dK += partials, in worker order, split over dK's elements (disjoint).
            workers.forEachRange(dkLength, (i0, i1) -> {
                for (int slot = 1; slot < used; slot++) {
                    NativeMemory.addInto(dK.addressOf(i0), partials[slot].addressOf(i0), (int) (i1 - i0));
                }
            });
        }
    }

    /** Copies output (gradient) row h of images {@code [n0, n0 + images)} into {@code scratch}, stacked. */
    private static void gatherRows(HostFloatStorage rows, HostFloatStorage scratch, ConvGeometry g, int n0, int images, int h) {
        long block = (long) g.outW() * g.outC();
        for (int i = 0; i < images; i++) {
            NativeMemory.copy(rows.addressOf(outputRowsOffset(g, n0 + i, h)), scratch.addressOf(i * block), block * Float.BYTES);
        }
    }

    /**
     * How {@link #loweredGradient} spreads dL's window GEMMs over the workers.
     *
     * <ul>
     *   <li>{@code IMAGES}: each worker owns whole image chunks (disjoint rows of dL), zeroes them and runs
     *       their windows h = 0, 1, ... in order, each sgemm over the whole window. An sgemm has
     *       {@code M = images*o_w} rows of a chunk that is at most a worker's share of the batch, and
     *       OpenBLAS packs all of K ({@code k_h*k_w*i_c x k_c}) for each: {@code 2*M} flops per packed
     *       float of K;</li>
     *   <li>{@code INPUT_ROWS}: each worker owns a contiguous range of the columns of L's rows, i.e. of its
     *       input rows ({@link #loweredColumnSplit}: balanced by the windows that cover each column, cut
     *       inside an input row where needed), across all images, and runs every window's part that falls in
     *       its range, h ascending, as one sgemm per tile of up to a scratch's worth of images: {@code M} up
     *       to the whole batch's {@code i_n*o_w}, so K is packed half as often per flop with two workers.
     *       Columns a window is the first to write get {@code beta = 0}, later ones add, so dL needs no
     *       zeroing pass but for input rows no window covers.</li>
     * </ul>
     */
    enum LoweredGradientSplit { IMAGES, INPUT_ROWS }

    /**
     * The split {@link #loweredGradient} takes on {@code workers} workers when none is forced: {@code INPUT_ROWS}
     * where {@code IMAGES} would give each sgemm fewer than {@link #MIN_LOWERED_GRADIENT_ROWS} rows (a worker's
     * share of the batch times {@code o_w}: layers with small outputs), else {@code IMAGES}. Measured on
     * cv1-cv12 (docs/cpu.md): cv5, cv6, cv10, cv11 and cv12 gain; cv3, cv7, cv8 and cv9, whose
     * {@code IMAGES} sgemms already have 860 rows or more, lose in input-row order.
     */
    static LoweredGradientSplit loweredGradientSplit(ConvGeometry g, int workers, long tileFloats) {
        long rows = (long) imagesPerTile(g, workers, tileFloats) * g.outW();
        return rows < MIN_LOWERED_GRADIENT_ROWS ? LoweredGradientSplit.INPUT_ROWS : LoweredGradientSplit.IMAGES;
    }

    /**
     * Worker boundaries over the columns of a row of L for {@code used} workers: entry s is the first column of
     * worker s ({@code bounds[used]} is the row length), a multiple of 16, cut where the work to its left
     * (per column, the windows that cover its input row: the sgemm rows that write it) reaches s/used of the
     * total. Cut inside an input row where that balances better.
     */
    static long[] loweredColumnSplit(ConvGeometry g, int used) {
        long span = (long) g.kW() * g.inC();
        int rows = (int) (g.loweredRowLength() / span);
        long total = 0;
        for (int j = 0; j < rows; j++) {
            total += windowsCovering(g, j) * span;
        }
        long[] bounds = new long[used + 1];
        bounds[used] = g.loweredRowLength();
        long before = 0;
        int j = 0;
        for (int s = 1; s < used; s++) {
            long target = total * s / used;
            while (j < rows && before + windowsCovering(g, j) * span < target) {
                before += windowsCovering(g, j) * span;
                j++;
            }
            long column = j * span;
            if (j < rows && windowsCovering(g, j) > 0) {
                column += (target - before) / windowsCovering(g, j);
            }
            bounds[s] = Math.max(bounds[s - 1], Math.min(g.loweredRowLength(), column / 16 * 16));
        }
        return bounds;
    }

    /** Output rows h whose window covers input row j of L: {@code h*s_h <= j < h*s_h + k_h}, {@code 0 <= h < o_h}. */
    private static int windowsCovering(ConvGeometry g, int j) {
        int first = Math.max(0, Math.floorDiv(j - g.kH(), g.strideH()) + 1);
        int last = Math.min(g.outH() - 1, j / g.strideH());
        return Math.max(0, last - first + 1);
    }

    /**
     * {@link LoweredGradientSplit#INPUT_ROWS}: worker s owns columns {@code [c0, c1)} of every row of dL
     * ({@link #loweredColumnSplit}); per tile (image chunk), window h's part in that range splits into the
     * columns an earlier window already wrote (window h-1 ends at input row {@code (h-1)*s_h + k_h};
     * {@code beta = 1}) and those it writes first ({@code beta = 0}).
     */
    private void loweredGradientByInputRows(HostFloatStorage dOut, HostFloatStorage k, HostFloatStorage dL, ConvGeometry g) {
        int nc = imagesPerTile(g, 1);
        int chunks = ceilDiv(g.batch(), nc);
        long[] bounds = loweredColumnSplit(g, slots);
        forEachSlot(slot -> {
            if (bounds[slot] >= bounds[slot + 1]) {
                return;
            }
            HostFloatStorage scratch = scratch(slot, (long) nc * g.outW() * g.outC());
            for (int c = 0; c < chunks; c++) {
                int n0 = c * nc;
                loweredGradientTile(dOut, k, dL, scratch, g, n0, Math.min(nc, g.batch() - n0), bounds[slot], bounds[slot + 1],
                        false);
            }
        });
    }

    /**
     * dL for images {@code [n0, n0 + images)}, columns {@code [c0, c1)} of their rows of L. For h = 0, 1, ... the
     * output-gradient rows are gathered into {@code scratch} and window h's part in the range is multiplied in.
     * With {@code zeroFirst} ({@link LoweredGradientSplit#IMAGES}; the range must then be whole rows) the rows
     * are zeroed first and every window adds ({@code beta = 1}), one sgemm per window. Without ({@link LoweredGradientSplit#INPUT_ROWS}) only
     * columns of input rows no window covers are zeroed, and window h's part splits into the columns an
     * earlier window already wrote (window h-1 ends at input row {@code (h-1)*s_h + k_h}; {@code beta = 1}) and
     * those it writes first ({@code beta = 0}). Measured (docs/cpu.md): against zeroing first, level on the
     * layers that take input rows (cv5, cv6, cv11, cv12: within 1.6 ms either way) and 7-21% slower in the
     * lowered gradient on those that take image chunks (cv3, cv7, cv8: windows of 27 to 576 columns cut in
     * two), so each split keeps its own.
     */
    private static void loweredGradientTile(HostFloatStorage dOut, HostFloatStorage k, HostFloatStorage dL,
                                            HostFloatStorage scratch, ConvGeometry g, int n0, int images, long c0, long c1,
                                            boolean zeroFirst) {
        int ow = g.outW();
        int kc = g.outC();
        long span = (long) g.kW() * g.inC();
        int rowLength = g.loweredRowLength();
        long firstRow = (long) n0 * ow;
        if (zeroFirst) {
            NativeMemory.zero(dL.addressOf(firstRow * rowLength + c0), (long) images * ow * rowLength * Float.BYTES);
        }
        for (int j = (int) (c0 / span); !zeroFirst && j * span < c1; j++) {
            if (windowsCovering(g, j) == 0) {
                long from = Math.max(c0, j * span);
                long to = Math.min(c1, (j + 1) * span);
                for (long r = firstRow; r < firstRow + (long) images * ow; r++) {
                    NativeMemory.zero(dL.addressOf(r * rowLength + from), (to - from) * Float.BYTES);
                }
            }
        }
        for (int h = 0; h < g.outH(); h++) {
            long top = (long) h * g.strideH() * span;
            long from = Math.max(top, c0);
            long to = Math.min(top + g.kernelRows(), c1);
            if (from >= to) {
                continue;
            }
            gatherRows(dOut, scratch, g, n0, images, h);
            long written = zeroFirst ? to : h == 0 ? from : Math.max(from, Math.min(to, ((long) (h - 1) * g.strideH() + g.kH()) * span));
            for (int part = 0; part < 2; part++) {
                long p0 = part == 0 ? from : written;
                long p1 = part == 0 ? written : to;
                if (p0 < p1) {
                    OpenBlas.sgemm(Transpose.NONE, Transpose.TRANSPOSE, images * ow, (int) (p1 - p0), kc, 1f,
                            scratch, 0, kc, k, (p0 - top) * kc, kc, part == 0 ? 1f : 0f,
                            dL, windowOffset(g, n0, 0) + p0, rowLength);
                }
            }
        }
    }

    /**
     * How {@link #weightGradient} spreads dK's window GEMMs over the workers.
     *
     * <ul>
     *   <li>{@code TILES}: each worker takes a fixed contiguous range of tiles (output row h, image chunk) and
     *       accumulates them into its own partial dK (the first worker into dK itself); the partials are added
     *       in worker order at the end. Uneven when the tiles do not divide among the workers (5 output
     *       rows on 2 workers: 2 and 3);</li>
     *   <li>{@code KERNEL_ROWS}: each worker owns a contiguous range of dK's {@code k_h*k_w*i_c} rows (a multiple
     *       of 16 but for the last) and runs every tile into it, h ascending: no partials, no final sum,
     *       even shares; each worker gathers every tile's output-gradient rows itself.</li>
     * </ul>
     */
    enum WeightGradientSplit { TILES, KERNEL_ROWS }

    /**
     * The split {@link #weightGradient} takes on {@code workers} workers when none is forced: {@code KERNEL_ROWS}
     * where dK has more than {@link #TILE_FLOATS} floats (a worker's partial then no longer stays in its
     * cache between tiles, and the final sum is a pass over several MiB) or where the tiles split unevenly
     * among fewer than 16 per worker; else {@code TILES}. Measured on cv1-cv12 (docs/cpu.md): cv5 and
     * cv12 (5 output rows on 2 workers) gain, cv6 and cv11 are level, cv10 (a 0.6 MiB dK) loses.
     */
    static WeightGradientSplit weightGradientSplit(ConvGeometry g, int workers, long tileFloats) {
        if (workers == 1) {
            return WeightGradientSplit.TILES;
        }
        long chunks = ceilDiv(g.batch(), imagesPerTile(g, 1, tileFloats));
        long tiles = g.outH() * chunks;
        boolean largeKernel = (long) g.kernelRows() * g.outC() > TILE_FLOATS;
        boolean uneven = tiles % workers != 0 && tiles < 16L * workers;
        return largeKernel || uneven ? WeightGradientSplit.KERNEL_ROWS : WeightGradientSplit.TILES;
    }

    /** {@link WeightGradientSplit#KERNEL_ROWS}: {@code dK[r0:r1] (+)= A_tile[:, r0:r1]^T x dO_tile} for every tile. */
    private void weightGradientByKernelRows(HostFloatStorage l, HostFloatStorage dOut, HostFloatStorage dK, ConvGeometry g) {
        int nc = imagesPerTile(g, 1);
        int chunks = ceilDiv(g.batch(), nc);
        int columns = g.kernelRows();
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        forEachSlot(slot -> {
            int r0 = kernelRowSplit(columns, slot, slots);
            int r1 = kernelRowSplit(columns, slot + 1, slots);
            if (r1 <= r0) {
                return;
            }
            HostFloatStorage scratch = scratch(slot, (long) nc * block);
            for (int h = 0; h < g.outH(); h++) {
                for (int c = 0; c < chunks; c++) {
                    int n0 = c * nc;
                    int images = Math.min(nc, g.batch() - n0);
                    gatherRows(dOut, scratch, g, n0, images, h);
                    OpenBlas.sgemm(Transpose.TRANSPOSE, Transpose.NONE, r1 - r0, kc, images * ow, 1f,
                            l, windowOffset(g, n0, h) + r0, g.loweredRowLength(), scratch, 0, kc,
                            h == 0 && c == 0 ? 0f : 1f, dK, (long) r0 * kc, kc);
                }
            }
        });
    }

    /** First of worker {@code slot}'s dK rows out of {@code total}: a multiple of 16, {@code total} for the end. */
    private static int kernelRowSplit(int total, int slot, int used) {
        return slot >= used ? total : (int) ((long) total * slot / used) / 16 * 16;
    }

    private WeightGradientSplit weightSplit(ConvGeometry g) {
        return forcedWeightSplit != null ? forcedWeightSplit : weightGradientSplit(g, slots, tileFloats);
    }

    private LoweredGradientSplit loweredSplit(ConvGeometry g) {
        return forcedSplit != null ? forcedSplit : loweredGradientSplit(g, slots, tileFloats);
    }

    @Override
    public void loweredGradient(FloatStorage gradOutput, FloatStorage kernel, FloatStorage gradLowered, ConvGeometry g) {
        HostFloatStorage dOut = HostFloatStorage.of(gradOutput);
        HostFloatStorage k = HostFloatStorage.of(kernel);
        HostFloatStorage dL = HostFloatStorage.of(gradLowered);
        if (loweredSplit(g) == LoweredGradientSplit.INPUT_ROWS) {
            loweredGradientByInputRows(dOut, k, dL, g);
            return;
        }
        int nc = imagesPerTile(g, slots);
        int chunks = ceilDiv(g.batch(), nc);
        int used = Math.min(slots, chunks);
        forEachSlot(slot -> {
            if (slot >= used) {
                return;
            }
            HostFloatStorage scratch = scratch(slot, (long) nc * g.outW() * g.outC());
            int firstChunk = (int) ((long) chunks * slot / used);
            int endChunk = (int) ((long) chunks * (slot + 1) / used);
            for (int c = firstChunk; c < endChunk; c++) {
                int n0 = c * nc;
                loweredGradientTile(dOut, k, dL, scratch, g, n0, Math.min(nc, g.batch() - n0), 0, g.loweredRowLength(), true);
            }
        });
    }

    /** Offset in L of the window of output row h for the rows of image {@code n} on. */
    private static long windowOffset(ConvGeometry g, int n, int h) {
        return (long) n * g.outW() * g.loweredRowLength() + (long) h * g.windowStride();
    }

    /** Offset in the NHWC output of the {@code o_w x k_c} rows of image n, output row h. */
    private static long outputRowsOffset(ConvGeometry g, int n, int h) {
        return ((long) n * g.outH() + h) * g.outW() * g.outC();
    }

    /** Runs {@code body} once per slot: on the workers (one slot each) in TASKS mode, on the caller in BLAS mode. */
    private void forEachSlot(java.util.function.IntConsumer body) {
        if (slots == 1) {
            body.accept(0);
        } else {
            workers.forEachRange(slots, (s0, s1) -> {
                for (long s = s0; s < s1; s++) {
                    body.accept((int) s);
                }
            });
        }
    }

    private HostFloatStorage scratch(int slot, long floats) {
        tileScratch[slot] = ensure(tileScratch[slot], floats);
        return tileScratch[slot];
    }

    private HostFloatStorage partial(int slot, long floats) {
        partials[slot] = ensure(partials[slot], floats);
        return partials[slot];
    }

    private HostFloatStorage ensure(HostFloatStorage current, long floats) {
        if (current != null && current.length() >= floats) {
            return current;
        }
        if (current != null) {
            current.close();
        }
        return new HostFloatStorage(floats, false, scratchTracker, noCache);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        for (HostFloatStorage[] buffers : new HostFloatStorage[][] {tileScratch, partials}) {
            for (int i = 0; i < buffers.length; i++) {
                if (buffers[i] != null) {
                    buffers[i].close();
                    buffers[i] = null;
                }
            }
        }
        noCache.close();
    }
}
