package org.sparkmec.engine.shape;

/**
 * Stride and zero padding of a 2-D convolution.
 *
 * @param strideH s_h, at least 1
 * @param strideW s_w, at least 1
 * @param padH    p_h zero rows added above and below the input, at least 0
 * @param padW    p_w zero columns added left and right of the input, at least 0
 */
public record Conv2dParams(int strideH, int strideW, int padH, int padW) {

    public Conv2dParams {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be at least 1 in each direction, got s_h=" + strideH
                    + ", s_w=" + strideW);
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be 0 or more in each direction, got p_h=" + padH
                    + ", p_w=" + padW);
        }
    }

    /** Same stride and padding in both directions. */
    public static Conv2dParams of(int stride, int pad) {
        return new Conv2dParams(stride, stride, pad, pad);
    }
}
