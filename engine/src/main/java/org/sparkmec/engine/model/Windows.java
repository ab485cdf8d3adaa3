package org.sparkmec.engine.model;

import static org.sparkmec.engine.model.Checks.pair;
import static org.sparkmec.engine.model.Checks.size;

import org.sparkmec.engine.shape.SamePadding;

/**
 * Sliding-window arithmetic shared by convolution and pooling: {@code o = (i + 2p - k) / s + 1} per direction
 * with integer division, as in {@link org.sparkmec.engine.shape.ConvGeometry}.
 */
final class Windows {
    private Windows() {
    }

    /** Kernel and stride at least 1, padding at least 0. */
    static void check(String layer, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        Checks.pairAtLeast(layer, ModelKeys.KERNEL, kernelH, kernelW, 1);
        Checks.pairAtLeast(layer, ModelKeys.STRIDE, strideH, strideW, 1);
        Checks.pairAtLeast(layer, ModelKeys.PADDING, padH, padW, 0);
    }

    /** Pooling: padding at most half the kernel, so that no window lies entirely in the padding. */
    static void checkPoolPadding(String layer, int kernelH, int kernelW, int padH, int padW) {
        if (2L * padH > kernelH || 2L * padW > kernelW) {
            throw SpecViolation.ofLayer(layer, ModelKeys.PADDING, "padding " + pair(padH, padW)
                    + " is more than half the kernel " + size(kernelH, kernelW)
                    + ": a pooling window could lie entirely in the padding");
        }
    }

    /** Same padding leaves the numeric padding at 0. */
    static void checkSamePadding(String layer, boolean same, int padH, int padW) {
        if (same && (padH != 0 || padW != 0)) {
            throw SpecViolation.ofLayer(layer, ModelKeys.PADDING, "same padding is computed from the input; the"
                    + " numeric padding must then be 0, got " + pair(padH, padW));
        }
    }

    /**
     * {@code (p_h, p_w)} of a window layer on {@code in}: the declared ones, or {@link SamePadding}'s.
     *
     * @throws SpecViolation for same padding that would need asymmetric padding
     */
    static int[] padding(String layer, ActivationShape in, int kernelH, int kernelW, int strideH, int strideW,
                         int padH, int padW, boolean same) {
        if (!same) {
            return new int[] {padH, padW};
        }
        try {
            return new int[] {SamePadding.of(in.height(), kernelH, strideH), SamePadding.of(in.width(), kernelW, strideW)};
        } catch (IllegalArgumentException e) {
            throw SpecViolation.ofLayer(layer, ModelKeys.PADDING, e.getMessage());
        }
    }

    /**
     * The output of a window layer of {@code outChannels} channels on {@code in}, with the declared padding or,
     * when {@code same}, {@link SamePadding}'s.
     *
     * @throws SpecViolation for a flat input, a kernel larger than the padded input or impossible same padding
     */
    static ActivationShape output(String layer, LayerType type, ActivationShape in, int kernelH, int kernelW,
                                  int strideH, int strideW, int declaredPadH, int declaredPadW, boolean same,
                                  int outChannels) {
        if (in.flat()) {
            throw SpecViolation.ofLayer(layer, null, type.configName()
                    + " needs an NHWC input (height x width x channels), got a flat input of " + in
                    + " features; put it before the flatten layer");
        }
        int[] pad = padding(layer, in, kernelH, kernelW, strideH, strideW, declaredPadH, declaredPadW, same);
        int padH = pad[0];
        int padW = pad[1];
        long paddedH = in.height() + 2L * padH;
        long paddedW = in.width() + 2L * padW;
        if (kernelH > paddedH || kernelW > paddedW) {
            String padded = padH == 0 && padW == 0 ? "" : ", padded " + size(paddedH, paddedW);
            throw SpecViolation.ofLayer(layer, ModelKeys.KERNEL, "kernel " + size(kernelH, kernelW)
                    + " larger than input " + size(in.height(), in.width()) + " (padding " + pair(padH, padW) + padded
                    + "); o = (i + 2p - k) / s + 1 needs k <= i + 2p");
        }
        long outH = (paddedH - kernelH) / strideH + 1;
        long outW = (paddedW - kernelW) / strideW + 1;
        if (outH * outW * outChannels > Integer.MAX_VALUE) {
            throw SpecViolation.ofLayer(layer, null, "output " + outH + "x" + outW + "x" + outChannels
                    + " has more than " + Integer.MAX_VALUE + " values per sample");
        }
        return ActivationShape.spatial((int) outH, (int) outW, outChannels);
    }
}
