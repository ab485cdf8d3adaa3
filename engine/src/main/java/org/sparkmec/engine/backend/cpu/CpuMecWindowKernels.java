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
 *       single-threaded sgemm into its scratch and copies the rows to NHWC adding the bias;</li>
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
    private final MemoryTracker scratchTracker = new MemoryTracker("cpu-mec-fused-scratch");
    private final HostBufferCache noCache = new HostBufferCache(0, scratchTracker);
    private final HostFloatStorage[] tileScratch;
    private final HostFloatStorage[] partials;

    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism) {
        this(workers, kernels, parallelism, TILE_FLOATS);
    }

    /** With another tile size (tests force one image per tile). */
    CpuMecWindowKernels(CpuWorkers workers, CpuConvKernels kernels, GemmParallelism parallelism, long tileFloats) {
        this.tileFloats = tileFloats;
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

    @Override
    public void forward(FloatStorage input, FloatStorage lowered, FloatStorage kernel, FloatStorage bias,
                        FloatStorage output, ConvGeometry g) {
        kernels.lowerMec(input, g, lowered);
        HostFloatStorage l = HostFloatStorage.of(lowered);
        HostFloatStorage k = HostFloatStorage.of(kernel);
        HostFloatStorage out = HostFloatStorage.of(output);
        float[] b = bias == null ? null : CpuConvKernels.toArray(bias);
        int nc = imagesPerTile(g, ceilDiv(TILES_PER_WORKER * slots, g.outH()));
        int chunks = ceilDiv(g.batch(), nc);
        int tiles = g.outH() * chunks;
        int ow = g.outW();
        int kc = g.outC();
        long block = (long) ow * kc;
        AtomicInteger next = new AtomicInteger();
        forEachSlot(slot -> {
            HostFloatStorage scratch = scratch(slot, (long) nc * block);
            float[] chunk = b == null ? null : new float[Math.max(kc, CpuConvKernels.CHUNK)];
            for (int t; (t = next.getAndIncrement()) < tiles; ) {
                int h = t / chunks;
                int n0 = (t % chunks) * nc;
                int images = Math.min(nc, g.batch() - n0);
                OpenBlas.sgemm(Transpose.NONE, Transpose.NONE, images * ow, kc, g.kernelRows(), 1f,
                        l, windowOffset(g, n0, h), g.loweredRowLength(), k, 0, kc, 0f, scratch, 0, kc);
                for (int i = 0; i < images; i++) {
                    long from = scratch.addressOf(i * block);
                    long to = out.addressOf(outputRowsOffset(g, n0 + i, h));
                    if (b == null) {
                        NativeMemory.copy(from, to, block * Float.BYTES);
                    } else {
                        CpuConvKernels.copyAddingBias(from, to, block, b, chunk);
                    }
                }
            }
        });
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
