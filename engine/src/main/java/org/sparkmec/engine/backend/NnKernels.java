package org.sparkmec.engine.backend;

import org.sparkmec.engine.shape.PoolGeometry;
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

    /**
     * Softmax cross-entropy of a {@code rows x classes} row-major logits matrix against labels (floats
     * holding whole numbers in {@code [0, classes)}; the caller validated them), computed per row in
     * double precision with the row's max subtracted. Per row r, with its loss
     * {@code l_r = log(sum_c exp(z_rc - max_r)) - (z_r,y_r - max_r)} (a double), writes
     * {@code stats[3r] = (float) l_r}, {@code stats[3r + 1] = (float) (l_r - stats[3r])} (so the host
     * recovers the loss to about 48 bits as their sum) and {@code stats[3r + 2] = 1} if the first arg-max
     * of row r is its label, else 0; when {@code gradLogits} is not null, {@code gradLogits[r][c] =
     * (softmax(z_r)[c] - [c == y_r]) / rows}.
     */
    void softmaxCrossEntropy(FloatStorage logits, FloatStorage labels, int rows, int classes, FloatStorage gradLogits,
                             FloatStorage stats);
}
