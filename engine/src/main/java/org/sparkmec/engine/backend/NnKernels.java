package org.sparkmec.engine.backend;

import org.sparkmec.engine.nn.PoolGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * Element-wise and pooling kernels of the network layers, per backend. Unchecked: the layers in
 * {@code org.sparkmec.engine.nn} validated shapes. Activations are NHWC, row-major, lengths in floats.
 */
public interface NnKernels {

    /** {@code out[i] = max(0, in[i])}. */
    void reluForward(FloatStorage in, FloatStorage out, long length);

    /** {@code gradIn[i] = in[i] > 0 ? gradOut[i] : 0} ({@code in} is the forward input). */
    void reluBackward(FloatStorage in, FloatStorage gradOut, FloatStorage gradIn, long length);

    /** Max over each window; padding never wins (it is treated as minus infinity). */
    void maxPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out);

    /**
     * Routes each output gradient to the first input position of its window (in row-major window order)
     * holding the maximum; overwrites gradIn.
     */
    void maxPoolBackward(FloatStorage in, FloatStorage out, FloatStorage gradOut, PoolGeometry g, FloatStorage gradIn);

    /** Mean over each window, dividing by {@code k_h * k_w} (padding counts as zeros). */
    void avgPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out);

    /** Adjoint of {@link #avgPoolForward}; overwrites gradIn. */
    void avgPoolBackward(FloatStorage gradOut, PoolGeometry g, FloatStorage gradIn);

    /** {@code out[i] = in[i] * mask[i]} (dropout with a precomputed, already scaled mask). */
    void multiply(FloatStorage in, FloatStorage mask, FloatStorage out, long length);
}
