package org.sparkmec.engine.model;

/**
 * Avg pooling: the mean of each window, per channel. Shape rules in {@link Pool2dSpec}.
 *
 * @param name    unique layer name
 * @param kernelH window height, at least 1
 * @param kernelW window width, at least 1
 * @param strideH at least 1; the kernel height unless given
 * @param strideW at least 1; the kernel width unless given
 * @param padH    0 to kernelH / 2 (default 0)
 * @param padW    0 to kernelW / 2 (default 0)
 * @param samePadding whether the padding is computed from the input ({@code padding = same}; padH, padW 0)
 */
public record AvgPool2dSpec(String name, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                            boolean samePadding) implements Pool2dSpec {

    public AvgPool2dSpec {
        Checks.layerName(name);
        Windows.check(name, kernelH, kernelW, strideH, strideW, padH, padW);
        Windows.checkPoolPadding(name, kernelH, kernelW, padH, padW);
        Windows.checkSamePadding(name, samePadding, padH, padW);
    }

    /** Pooling with the given padding (no same padding). */
    public AvgPool2dSpec(String name, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        this(name, kernelH, kernelW, strideH, strideW, padH, padW, false);
    }

    /** Square, non-overlapping windows: stride = kernel, no padding. */
    public static AvgPool2dSpec of(String name, int kernel) {
        return new AvgPool2dSpec(name, kernel, kernel, kernel, kernel, DEFAULT_PADDING, DEFAULT_PADDING);
    }

    @Override
    public LayerType type() {
        return LayerType.AVGPOOL2D;
    }
}
