package org.sparkmec.engine.shape;

/**
 * Shape arithmetic of 2-D pooling over NHWC activations: {@code o_h = (i_h + 2 p_h - k_h) / s_h + 1}
 * (integer division, as for convolutions), channels unchanged.
 */
public record PoolGeometry(int batch, int inH, int inW, int channels, int kH, int kW, int strideH, int strideW,
                           int padH, int padW) {

    public PoolGeometry {
        if (batch < 1 || inH < 1 || inW < 1 || channels < 1) {
            throw new IllegalArgumentException("pooling input must have positive dimensions, got n=" + batch + " h=" + inH
                    + " w=" + inW + " c=" + channels);
        }
        if (kH < 1 || kW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("pooling needs kernel and stride >= 1 and padding >= 0, got kernel " + kH
                    + "x" + kW + ", stride " + strideH + "x" + strideW + ", padding " + padH + "x" + padW);
        }
        if (kH > inH + 2 * padH || kW > inW + 2 * padW) {
            throw new IllegalArgumentException("pooling kernel " + kH + "x" + kW + " larger than padded input "
                    + (inH + 2 * padH) + "x" + (inW + 2 * padW));
        }
        if (padH >= kH || padW >= kW) {
            throw new IllegalArgumentException("pooling padding " + padH + "x" + padW + " must be smaller than the kernel "
                    + kH + "x" + kW + " (a window would see only padding)");
        }
    }

    public int outH() {
        return (inH + 2 * padH - kH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kW) / strideW + 1;
    }

    public int[] inputDims() {
        return new int[] {batch, inH, inW, channels};
    }

    public int[] outputDims() {
        return new int[] {batch, outH(), outW(), channels};
    }
}
