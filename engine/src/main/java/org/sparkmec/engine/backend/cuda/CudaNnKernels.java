package org.sparkmec.engine.backend.cuda;

import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The GPU's layer kernels ({@code mec_kernels.cu}), with the semantics of the CPU backend's: element-wise
 * kernels, pooling as gathers (forward one thread per output element; backward one thread per input
 * element, summing the windows that contain it in the CPU's order, max pooling routing to the first
 * position of a window equal to its output), and softmax cross-entropy one thread per row in double.
 * No atomics: the same bits every run. Unchecked: the layers validated shapes. Asynchronous, in issue
 * order on the default stream.
 */
final class CudaNnKernels implements NnKernels {
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

    @Override
    public void maxPoolBackward(FloatStorage in, FloatStorage out, FloatStorage gradOut, PoolGeometry g,
                                FloatStorage gradIn) {
        pool("max_pool_backward", inputElements(g), g, null, in, out, gradOut, gradIn);
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
