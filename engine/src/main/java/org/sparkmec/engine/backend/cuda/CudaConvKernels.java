package org.sparkmec.engine.backend.cuda;

import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The GPU's data-movement kernels of the convolutions ({@code mec_kernels.cu}), with the semantics of
 * the CPU backend's. Every kernel is a gather: one thread per element it writes (lowered matrix, column
 * matrix, permuted output; for the backward scatter-adds one thread per input-gradient element, summing
 * the lowered positions that map to it in the CPU's order), so no atomics and the same bits every run.
 * Where the innermost dimension is a multiple of 4, the kernels' 4-wide variants move 16 bytes per
 * thread. {@link #sumRows} reduces in double in a fixed tree order through the module's scratch.
 * Unchecked: the callers validated shapes. Asynchronous, in issue order on the default stream.
 */
final class CudaConvKernels implements ConvKernels {
    /** Doubles of the row-sum scratch, {@code SUM_ROWS_SCRATCH} in mec_kernels.cu. */
    private static final int SUM_ROWS_SCRATCH = 1 << 18;
    /** Channels per row-sum block; its blocks are {@value #SUM_ROWS_THREADS} threads (8 row lanes). */
    private static final int SUM_ROWS_LANES = 32;
    private static final int SUM_ROWS_THREADS = 256;
    /** Row-sum blocks to aim for (a few per SM), and the fewest rows a block is given. */
    private static final int SUM_ROWS_BLOCKS = 2048;
    private static final int SUM_ROWS_MIN_ROWS = 64;

    /** Floats per thread of the 4-wide kernel variants (whole storages are cuMemAlloc blocks: 16-byte aligned). */
    private static final int VECTOR = 4;

    private final CudaModule module;

    CudaConvKernels(CudaModule module) {
        this.module = module;
    }

    @Override
    public void lowerMec(FloatStorage input, ConvGeometry g, FloatStorage lowered, int first, int count) {
        int v = width(g.inC());
        module.launch(name("lower_mec", v), (long) count * g.outW() * g.loweredRowLength() / v, input, lowered, first,
                count, g.inH(), g.inW(), g.inC(), g.kW(), g.strideW(), g.padH(), g.padW(), g.outW());
    }

    @Override
    public void scatterAddMec(FloatStorage loweredGradient, ConvGeometry g, FloatStorage inputGradient) {
        int v = width(g.inC());
        module.launch(name("scatter_add_mec", v), g.inputElements() / v, loweredGradient, inputGradient, g.batch(),
                g.inH(), g.inW(), g.inC(), g.kW(), g.strideW(), g.padH(), g.padW(), g.outW());
    }

    @Override
    public void im2col(FloatStorage input, ConvGeometry g, FloatStorage columns) {
        int v = width(g.inC());
        module.launch(name("im2col", v), g.im2colElements() / v, input, columns, g.batch(), g.inH(), g.inW(), g.inC(),
                g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(), g.outW());
    }

    @Override
    public void col2im(FloatStorage columnGradient, ConvGeometry g, FloatStorage inputGradient) {
        int v = width(g.inC());
        module.launch(name("col2im", v), g.inputElements() / v, columnGradient, inputGradient, g.batch(), g.inH(),
                g.inW(), g.inC(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(), g.outW());
    }

    @Override
    public void swapOuterDimensions(FloatStorage src, FloatStorage dst, int outer, int middle, long block,
                                    FloatStorage bias) {
        int biasLength = bias == null ? 0 : (int) bias.length();
        int v = block % VECTOR == 0 && biasLength % VECTOR == 0 ? VECTOR : 1;
        module.launch(name("swap_outer", v), (long) outer * middle * block / v, src, dst, outer, middle, block, bias,
                biasLength);
    }

    @Override
    public void zero(FloatStorage storage, long offset, long length) {
        storage.fillZero(offset, length);
    }

    @Override
    public void copy(FloatStorage src, long srcOffset, FloatStorage dst, long dstOffset, long length) {
        module.launch("copy_floats", length, new CudaModule.Slice(src, srcOffset), new CudaModule.Slice(dst, dstOffset),
                length);
    }

    @Override
    public void addBias(FloatStorage out, long rows, int channels, FloatStorage bias) {
        int v = width(channels);
        module.launch(name("add_bias", v), rows * channels / v, out, rows, channels, bias);
    }

    @Override
    public void sumRows(FloatStorage grad, long rows, int channels, FloatStorage dBias) {
        if (channels <= 0) {
            return;
        }
        int tiles = (channels + SUM_ROWS_LANES - 1) / SUM_ROWS_LANES;
        long chunks = Math.min((rows + SUM_ROWS_MIN_ROWS - 1) / SUM_ROWS_MIN_ROWS,
                Math.min(SUM_ROWS_BLOCKS / tiles, SUM_ROWS_SCRATCH / channels));
        int c = (int) Math.max(1, chunks);
        module.launchBlocks("sum_rows_partial", tiles * c, SUM_ROWS_THREADS, grad, rows, channels, c, dBias);
        if (c > 1) {
            module.launchBlocks("sum_rows_final", tiles, SUM_ROWS_THREADS, c, channels, dBias);
        }
    }

    /**
     * 4 (the 16-byte kernel variants) when the innermost dimension is a multiple of 4 (and so are the other
     * {@code strides}: row lengths or offsets in floats that the 4 floats' address depends on), else 1.
     */
    static int width(int channels, int... strides) {
        int all = channels;
        for (int s : strides) {
            all |= s;
        }
        return all % VECTOR == 0 ? VECTOR : 1;
    }

    /** The kernel's name for {@code v} floats per thread: {@code base} or {@code base4}. */
    static String name(String base, int v) {
        return v == 1 ? base : base + v;
    }

    /**
     * {@code c[cOffset + i*ldc + j] += sum over p < count of partials[p*m*n + i*n + j]} for an {@code m x n}
     * block (the GEMM code's partial products; the sum in a fixed order).
     */
    void sumPartials(FloatStorage partials, int count, long m, int n, FloatStorage c, long cOffset, int ldc) {
        module.launch("sum_partials", m * n, partials, count, m, n, new CudaModule.Slice(c, cOffset), ldc);
    }
}
