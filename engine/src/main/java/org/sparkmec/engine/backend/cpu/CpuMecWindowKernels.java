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
 *   <li>weight gradient: each worker takes a fixed contiguous range of tiles (the same split on every
 *       call), gathers the tile's output-gradient rows into its scratch and accumulates
 *       {@code A_tile^T x dO_tile} into its own partial dK; partials are added in worker order, so the
 *       result is the same bits on every call;</li>
 *   <li>lowered gradient: each worker owns whole image chunks (disjoint rows of dL), zeroes them and
 *       runs their windows h = 0, 1, ... in order (overlapping windows of one image never run
 *       concurrently).</li>
 * </ul>
 *
 * <p>In {@link GemmParallelism#BLAS} mode the tiles run one after another on the caller and OpenBLAS
 * threads each sgemm. Scratch (the backend's own, not a convolution's workspace): per worker at most
 * {@link #TILE_FLOATS} floats, plus for the weight gradient a {@code k_h*k_w*i_c x k_c} partial per
 * worker but the first; kept between calls, freed when the backend closes.
 */
final class CpuMecWindowKernels implements MecWindowKernels, AutoCloseable {
    /** Floats of one tile's {@code M x k_c} block (1 MiB): in the L2/L3 cache while it is copied. */
    static final long TILE_FLOATS = 1L << 18;
    /** Forward tiles per worker at least, so that handing them out one at a time balances the load. */
    private static final int TILES_PER_WORKER = 4;

    private final CpuWorkers workers;
    private final CpuConvKernels kernels;
    private final int slots;
    private final long tileFloats;
    private final ForwardOrder forcedOrder;
    private final MemoryTracker scratchTracker = new MemoryTracker("cpu-mec-fused-scratch");
    private final HostBufferCache noCache = new HostBufferCache(0, scratchTracker);
    private final HostFloatStorage[] tileScratch;
    private final HostFloatStorage[] partials;

    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism) {
        this(workers, kernels, parallelism, TILE_FLOATS, null);
    }

    /**
     * With another tile size (tests force one image per tile) and a forced forward order ({@code null}:
     * {@link #forwardOrder}'s choice per geometry).
     */
    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism, long tileFloats,
                        ForwardOrder forcedOrder) {
        this.tileFloats = tileFloats;
        this.forcedOrder = forcedOrder;
        this.workers = workers;
        this.kernels = kernels;
        this.slots = parallelism == GemmParallelism.TASKS ? workers.threads() : 1;
        this.tileScratch = new HostFloatStorage[slots];
        this.partials = new HostFloatStorage[slots];
    }

    /** Images per tile: the most whose {@code images*o_w x k_c} block fits a tile, then split for {@code minChunks}. */
    int imagesPerTile(ConvGeometry g, int minChunks) {
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

    /**
     * The order {@link #forward} takes when none is forced: {@code INPUT_ROWS} where windows overlap
     * ({@code k_h > s_h}), the output has at most 64 channels and a kernel row spans at least 256
     * floats ({@code k_w*i_c}). With so few output columns, OpenBLAS's packing of L dominates an
     * output-row sgemm; with shorter kernel rows the split sgemms are too small. Measured on cv1-cv12
     * (docs/cpu.md): only cv4 qualifies, about 1.2x faster; layers with 128 or more output channels
     * were slower in input-row order.
     */
    static ForwardOrder forwardOrder(ConvGeometry g) {
        boolean overlapping = g.kH() > g.strideH();
        boolean fewOutputs = g.outC() <= 64;
        boolean longKernelRows = (long) g.kW() * g.inC() >= 256;
        return overlapping && fewOutputs && longKernelRows ? ForwardOrder.INPUT_ROWS : ForwardOrder.OUTPUT_ROWS;
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
                for (int i = 0; i < images; i++) {
                    NativeMemory.copy(dOut.addressOf(outputRowsOffset(g, n0 + i, h)), scratch.addressOf(i * block),
                            block * Float.BYTES);
                }
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

    @Override
    public void loweredGradient(FloatStorage gradOutput, FloatStorage kernel, FloatStorage gradLowered, ConvGeometry g) {
        HostFloatStorage dOut = HostFloatStorage.of(gradOutput);
        HostFloatStorage k = HostFloatStorage.of(kernel);
        HostFloatStorage dL = HostFloatStorage.of(gradLowered);
        int nc = imagesPerTile(g, slots);
        int chunks = ceilDiv(g.batch(), nc);
        int used = Math.min(slots, chunks);
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        long imageRows = (long) ow * g.loweredRowLength();
        forEachSlot(slot -> {
            if (slot >= used) {
                return;
            }
            HostFloatStorage scratch = scratch(slot, (long) nc * block);
            int firstChunk = (int) ((long) chunks * slot / used);
            int endChunk = (int) ((long) chunks * (slot + 1) / used);
            for (int c = firstChunk; c < endChunk; c++) {
                int n0 = c * nc;
                int images = Math.min(nc, g.batch() - n0);
                NativeMemory.zero(dL.addressOf(n0 * imageRows), images * imageRows * Float.BYTES);
                for (int h = 0; h < g.outH(); h++) {
                    for (int i = 0; i < images; i++) {
                        NativeMemory.copy(dOut.addressOf(outputRowsOffset(g, n0 + i, h)), scratch.addressOf(i * block),
                                block * Float.BYTES);
                    }
                    OpenBlas.sgemm(Transpose.NONE, Transpose.TRANSPOSE, images * ow, g.kernelRows(), kc, 1f,
                            scratch, 0, kc, k, 0, kc, 1f, dL, windowOffset(g, n0, h), g.loweredRowLength());
                }
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
