package org.sparkmec.engine.backend.cuda;

import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The GPU's layer kernels ({@code mec_kernels.cu}), with the semantics of the CPU backend's: element-wise
 * kernels, pooling as gathers (forward one thread per output element; backward one thread per input
 * element, summing the windows that contain it in the CPU's order, max pooling routing to the first
 * position of a window equal to its output), softmax cross-entropy one thread per row in double, and channel copies
 * 16 bytes per thread where channels, strides and offsets are multiples of 4.
 * No atomics: the same bits every run. Unchecked: the layers validated shapes. Asynchronous, in issue
 * order on the default stream.
 */
final class CudaNnKernels implements NnKernels {
    /** Doubles per sum of {@code bn_partials}: {@code SUM_ROWS_SCRATCH} in mec_kernels.cu. */
    private static final int BN_SCRATCH = 1 << 18;
    private static final int BN_LANES = 32;
    private static final int BN_THREADS = 256;
    /** Blocks of a per-channel sum to aim for (a few per SM), and the fewest rows a block is given. */
    private static final int BN_BLOCKS = 2048;
    private static final int BN_MIN_ROWS = 64;
    /** Threads per block of the element-wise batch-norm kernels ({@code BN_ELEMENTWISE_THREADS} in the source). */
    private static final int BN_ELEMENTWISE_THREADS = 256;
    private static final int BN_ROWS_PER_THREAD = 4;
    /** Window codes of max_pool_argmax's scratch ({@code MAX_POOL_ARGMAX_SCRATCH} in the source). */
    private static final long MAX_POOL_ARGMAX_SCRATCH = 1 << 22;
    /** The code of "no position" ({@code MAX_POOL_NO_ARGMAX}): windows must have fewer positions. */
    private static final int MAX_POOL_NO_ARGMAX = 0xffff;
    private static final int MODE_SUM = 0;
    private static final int MODE_SQUARED_DEVIATION = 1;
    private static final int MODE_BACKWARD = 2;

    private final CudaModule module;

    CudaNnKernels(CudaModule module) {
        this.module = module;
    }

    @Override
    public void reluForward(FloatStorage in, FloatStorage out, long length) {
        module.launch("relu_forward", length, in, out, length);
    }

    @Override
    public void reluBackward(FloatStorage in, FloatStorage gradOut, FloatStorage gradIn, long length) {
        module.launch("relu_backward", length, in, gradOut, gradIn, length);
    }

    @Override
    public void multiply(FloatStorage in, FloatStorage mask, FloatStorage out, long length) {
        module.launch("multiply", length, in, mask, out, length);
    }

    @Override
    public void maxPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out) {
        pool("max_pool_forward", outputElements(g), g, null, in, out);
    }

    /**
     * Two passes (each window's first maximum found once, then gathered per input element) where windows
     * overlap: ResNet's 3x3 stride-2 pool on 32x112x112x64 took 0.67 ms against the one-pass kernel's 0.81 (H100).
     * Where they do not (k <= s), the one-pass kernel scans at most one window per element and measured faster
     * (2x2 stride 2 on 32x32x32x64: 46 against 56 us), as it does beyond the scratch's limits (mec_kernels.cu).
     */
    @Override
    public void maxPoolBackward(FloatStorage in, FloatStorage out, FloatStorage gradOut, PoolGeometry g,
                                FloatStorage gradIn) {
        long outputsPerImage = outputElements(g) / g.batch();
        boolean overlapping = g.kH() > g.strideH() || g.kW() > g.strideW();
        if (!overlapping || g.kH() * g.kW() >= MAX_POOL_NO_ARGMAX || outputsPerImage > MAX_POOL_ARGMAX_SCRATCH) {
            pool("max_pool_backward", inputElements(g), g, null, in, out, gradOut, gradIn);
        } else {
            int chunk = (int) Math.min(g.batch(), MAX_POOL_ARGMAX_SCRATCH / outputsPerImage);
            long inputsPerImage = inputElements(g) / g.batch();
            for (int first = 0; first < g.batch(); first += chunk) {
                int images = Math.min(chunk, g.batch() - first);
                module.launch("max_pool_argmax", images * outputsPerImage, in, out, first, images, g.inH(), g.inW(),
                        g.channels(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(),
                        g.outW());
                module.launch("max_pool_backward_gather", images * inputsPerImage, gradOut, gradIn, first, images,
                        g.inH(), g.inW(), g.channels(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                        g.outH(), g.outW());
            }
        }
        zeroTail(gradIn, inputElements(g));
    }

    @Override
    public void avgPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out) {
        pool("avg_pool_forward", outputElements(g), g, scale(g), in, out);
    }

    @Override
    public void avgPoolBackward(FloatStorage gradOut, PoolGeometry g, FloatStorage gradIn) {
        pool("avg_pool_backward", inputElements(g), g, scale(g), gradOut, gradIn);
        zeroTail(gradIn, inputElements(g));
    }

    @Override
    public void softmaxCrossEntropy(FloatStorage logits, FloatStorage labels, int rows, int classes,
                                    FloatStorage gradLogits, FloatStorage stats) {
        module.launch("softmax_cross_entropy", rows, logits, labels, rows, classes, gradLogits, stats);
    }

    @Override
    public void add(FloatStorage a, FloatStorage b, FloatStorage out, long length) {
        module.launch("add_floats", length, a, b, out, length);
    }

    @Override
    public void copyChannels(FloatStorage src, int srcStride, int srcOffset, FloatStorage dst, int dstStride,
                             int dstOffset, long pixels, int channels) {
        int v = CudaConvKernels.width(channels, srcStride, srcOffset, dstStride, dstOffset);
        module.launch(CudaConvKernels.name("copy_channels", v), pixels * channels / v, src, srcStride, srcOffset, dst,
                dstStride, dstOffset, pixels, channels);
    }

    @Override
    public void channelMeanVariance(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance) {
        float scale = (float) (1.0 / rows);
        channelSums(MODE_SUM, in, null, null, null, 0f, rows, channels, scale, mean, null);
        channelSums(MODE_SQUARED_DEVIATION, in, null, mean, null, 0f, rows, channels, scale, variance, null);
    }

    @Override
    public void batchNormForward(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance,
                                 float epsilon, FloatStorage gamma, FloatStorage beta, FloatStorage out) {
        int v = CudaConvKernels.width(channels);
        module.launchBlocks(CudaConvKernels.name("batch_norm_forward", v), elementwiseBlocks(rows, channels / v),
                BN_ELEMENTWISE_THREADS, in, rows, channels, mean, variance, epsilon, gamma, beta, out);
    }

    @Override
    public void batchNormBackward(FloatStorage in, FloatStorage gradOut, long rows, int channels, FloatStorage mean,
                                  FloatStorage variance, float epsilon, FloatStorage gamma, FloatStorage gradIn,
                                  FloatStorage gradGamma, FloatStorage gradBeta) {
        channelSums(MODE_BACKWARD, in, gradOut, mean, variance, epsilon, rows, channels, 1f, gradBeta, gradGamma);
        if (gradIn != null) {
            int v = CudaConvKernels.width(channels);
            module.launchBlocks(CudaConvKernels.name("batch_norm_backward_input", v),
                    elementwiseBlocks(rows, channels / v), BN_ELEMENTWISE_THREADS, in, gradOut, rows, channels, mean,
                    variance, epsilon, gamma, gradGamma, gradBeta, gradIn);
        }
    }

    @Override
    public void runningStatisticsDelta(FloatStorage mean, FloatStorage variance, FloatStorage runningMean,
                                       FloatStorage runningMeanSquare, float momentum, int channels,
                                       FloatStorage deltaMean, FloatStorage deltaMeanSquare) {
        module.launch("running_statistics_delta", channels, mean, variance, runningMean, runningMeanSquare, momentum,
                channels, deltaMean, deltaMeanSquare);
    }

    @Override
    public void runningVariance(FloatStorage runningMean, FloatStorage runningMeanSquare, int channels,
                                FloatStorage variance) {
        module.launch("running_variance", channels, runningMean, runningMeanSquare, channels, variance);
    }

    /**
     * One per-channel sum of {@code bn_sums_partial} (and {@code bn_sums_final} when the rows are split into
     * chunks), writing {@code out1} (and {@code out2} if not null) scaled by {@code scale}.
     */
    private void channelSums(int mode, FloatStorage x, FloatStorage dy, FloatStorage mean, FloatStorage variance,
                             float epsilon, long rows, int channels, float scale, FloatStorage out1, FloatStorage out2) {
        int tiles = (channels + BN_LANES - 1) / BN_LANES;
        long chunks = Math.min((rows + BN_MIN_ROWS - 1) / BN_MIN_ROWS,
                Math.min(BN_BLOCKS / tiles, BN_SCRATCH / channels));
        int c = (int) Math.max(1, chunks);
        module.launchBlocks("bn_sums_partial", tiles * c, BN_THREADS, x, dy, mean, variance, epsilon, rows, channels,
                c, mode, scale, out1, out2);
        if (c > 1) {
            module.launchBlocks("bn_sums_final", tiles, BN_THREADS, c, channels, scale, out1, out2);
        }
    }

    /**
     * Blocks of the element-wise batch-norm kernels, which cover {@code 256 / min(packs, 256)} rows per block and
     * pass: enough for each thread to visit about {@value #BN_ROWS_PER_THREAD} rows (its channels' coefficients,
     * a division and a square root in double, are computed once per thread), at most {@value #BN_BLOCKS}.
     */
    private static int elementwiseBlocks(long rows, int packs) {
        long rowsPerPass = BN_ELEMENTWISE_THREADS / Math.min(packs, BN_ELEMENTWISE_THREADS);
        long perBlock = rowsPerPass * BN_ROWS_PER_THREAD;
        return (int) Math.max(1, Math.min(BN_BLOCKS, (rows + perBlock - 1) / perBlock));
    }

    /** The divisor of average pooling as the CPU computes it, {@code 1f / (k_h * k_w)}. */
    private static Float scale(PoolGeometry g) {
        return 1f / (g.kH() * g.kW());
    }

    /** Launches a pooling kernel: its buffers, the 12 ints of the geometry, then the scale if not null. */
    private void pool(String kernel, long work, PoolGeometry g, Float scale, FloatStorage... buffers) {
        Object[] args = new Object[buffers.length + 12 + (scale == null ? 0 : 1)];
        int a = 0;
        for (FloatStorage b : buffers) {
            args[a++] = b;
        }
        int[] geometry = {g.batch(), g.inH(), g.inW(), g.channels(), g.kH(), g.kW(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.outH(), g.outW()};
        for (int v : geometry) {
            args[a++] = v;
        }
        if (scale != null) {
            args[a] = scale;
        }
        module.launch(kernel, work, args);
    }

    /** Zeroes gradIn past the input tensor, as the CPU's backward passes overwrite the whole buffer. */
    private static void zeroTail(FloatStorage gradIn, long used) {
        if (gradIn.length() > used) {
            gradIn.fillZero(used, gradIn.length() - used);
        }
    }

    private static long inputElements(PoolGeometry g) {
        return (long) g.batch() * g.inH() * g.inW() * g.channels();
    }

    private static long outputElements(PoolGeometry g) {
        return (long) g.batch() * g.outH() * g.outW() * g.channels();
    }
}
