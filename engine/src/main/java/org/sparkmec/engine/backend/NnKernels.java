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

    /** {@code out[i] = a[i] + b[i]} ({@code out} may be {@code a} or {@code b}). */
    void add(FloatStorage a, FloatStorage b, FloatStorage out, long length);

    /**
     * Copies a range of channels between two row-major {@code pixels x stride} arrays (NHWC activations with
     * {@code pixels = n*h*w}, or flat ones with {@code pixels = n}): {@code dst[p*dstStride + dstOffset + c] =
     * src[p*srcStride + srcOffset + c]} for {@code p < pixels}, {@code c < channels}; every other float of
     * {@code dst} is left as it is. Channel concatenation's forward pass (each input into its channel range of the
     * output) and backward pass (each input's range out of the output gradient). {@code src} and {@code dst} do
     * not overlap.
     */
    void copyChannels(FloatStorage src, int srcStride, int srcOffset, FloatStorage dst, int dstStride, int dstOffset,
                      long pixels, int channels);

    /**
     * Per-channel batch statistics of a {@code rows x channels} row-major array (NHWC activations with
     * {@code rows = n*h*w}): {@code mean[c]} = the mean of column c and {@code variance[c]} = its biased
     * variance (divided by {@code rows}), both summed in double precision in a fixed order (two passes:
     * the variance sums squared deviations from the mean).
     */
    void channelMeanVariance(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance);

    /**
     * Batch normalisation's affine transform: {@code out[r][c] = gamma[c] * (in[r][c] - mean[c]) /
     * sqrt(variance[c] + epsilon) + beta[c]} over a {@code rows x channels} array.
     */
    void batchNormForward(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance,
                          float epsilon, FloatStorage gamma, FloatStorage beta, FloatStorage out);

    /**
     * Backward pass of {@link #batchNormForward} with batch statistics ({@code mean}, {@code variance} of
     * {@code in} itself, from {@link #channelMeanVariance}). With {@code N = rows},
     * {@code inv = 1 / sqrt(variance + epsilon)} and {@code xhat = (in - mean) * inv}: overwrites
     * {@code gradBeta[c] = sum_r gradOut}, {@code gradGamma[c] = sum_r gradOut * xhat} and, when
     * {@code gradIn} is not null, {@code gradIn = gamma * inv / N * (N * gradOut - gradBeta - xhat * gradGamma)}.
     * The sums are in double precision in a fixed order.
     */
    void batchNormBackward(FloatStorage in, FloatStorage gradOut, long rows, int channels, FloatStorage mean,
                           FloatStorage variance, float epsilon, FloatStorage gamma, FloatStorage gradIn,
                           FloatStorage gradGamma, FloatStorage gradBeta);

    /**
     * The running statistics' change for one batch, per channel {@code c < channels}:
     * {@code deltaMean[c] = momentum * (mean[c] - runningMean[c])} and
     * {@code deltaMeanSquare[c] = momentum * (variance[c] + mean[c]^2 - runningMeanSquare[c])}, where
     * {@code variance + mean^2} is the batch's mean of {@code x^2}.
     */
    void runningStatisticsDelta(FloatStorage mean, FloatStorage variance, FloatStorage runningMean,
                                FloatStorage runningMeanSquare, float momentum, int channels, FloatStorage deltaMean,
                                FloatStorage deltaMeanSquare);

    /** {@code variance[c] = max(0, runningMeanSquare[c] - runningMean[c]^2)} for {@code c < channels}. */
    void runningVariance(FloatStorage runningMean, FloatStorage runningMeanSquare, int channels, FloatStorage variance);
}
