package org.sparkmec.engine.backend;

import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * Data-movement kernels of the convolution algorithms, per backend. Unchecked: the callers in
 * {@code org.sparkmec.engine.conv} have validated shapes and sizes. All tensors are row-major, offsets
 * in floats; inputs are NHWC with the unpadded {@code i_h x i_w}; padding is zero-filled on the fly.
 */
public interface ConvKernels {

    /**
     * MEC lowering: {@code L[n, w, hp, kw, c] = I[n, hp - p_h, s_w*w + kw - p_w, c]} (zero outside the
     * input), L being {@code i_n*o_w} rows of {@code (i_h+2p_h)*k_w*i_c} floats.
     */
    default void lowerMec(FloatStorage input, ConvGeometry g, FloatStorage lowered) {
        lowerMec(input, g, lowered, 0, g.batch());
    }

    /** {@link #lowerMec(FloatStorage, ConvGeometry, FloatStorage)} for images {@code [first, first + count)} only. */
    void lowerMec(FloatStorage input, ConvGeometry g, FloatStorage lowered, int first, int count);

    /**
     * MEC backward scatter-add: {@code dI[n, hp - p_h, s_w*w + kw - p_w, c] += dL[n, w, hp, kw, c]} for
     * every position inside the input (padding positions are dropped). Accumulates into dI.
     */
    void scatterAddMec(FloatStorage loweredGradient, ConvGeometry g, FloatStorage inputGradient);

    /**
     * im2col: {@code col[(n, oh, ow), (kh, kw, c)] = I[n, s_h*oh + kh - p_h, s_w*ow + kw - p_w, c]},
     * zero outside the input.
     */
    void im2col(FloatStorage input, ConvGeometry g, FloatStorage columns);

    /** col2im: the adjoint of {@link #im2col}; accumulates into dI. */
    void col2im(FloatStorage columnGradient, ConvGeometry g, FloatStorage inputGradient);

    /**
     * Swaps the two outer dimensions of a {@code outer x middle x block} array:
     * {@code dst[b][a][:] = src[a][b][:]} (MEC's h-n-w-c to n-h-w-c permutation and back), adding
     * {@code bias[i % bias.length]} to every element when {@code bias} is not null (block must then be a
     * multiple of the bias length). Fusing the bias saves solution A a pass over the output.
     */
    void swapOuterDimensions(FloatStorage src, FloatStorage dst, int outer, int middle, long block, FloatStorage bias);

    /** Sets {@code length} floats from {@code offset} to zero (in parallel where the backend can). */
    void zero(FloatStorage storage, long offset, long length);

    /** Copies {@code length} floats. */
    void copy(FloatStorage src, long srcOffset, FloatStorage dst, long dstOffset, long length);

    /** {@code out[r][c] += bias[c]} for a {@code rows x channels} row-major array. */
    void addBias(FloatStorage out, long rows, int channels, FloatStorage bias);

    /** {@code dBias[c] = sum over r of grad[r][c]} for a {@code rows x channels} array (overwrites dBias). */
    void sumRows(FloatStorage grad, long rows, int channels, FloatStorage dBias);
}
