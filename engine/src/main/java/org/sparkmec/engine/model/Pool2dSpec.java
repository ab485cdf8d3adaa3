package org.sparkmec.engine.model;

/**
 * 2-D pooling over each channel separately: windows of {@code kernelH x kernelW} moved by the stride (default:
 * the kernel, so windows do not overlap) over the zero-padded input; output
 * {@code ((i_h + 2 p_h - k_h) / s_h + 1) x ((i_w + 2 p_w - k_w) / s_w + 1) x i_c}. Padding is at most half the
 * kernel in each direction, so that no window lies entirely in the padding; same padding
 * ({@link org.sparkmec.engine.shape.SamePadding}) always is. What padding contributes (ignored
 * by max, counted or not by average) is the layer implementation's contract.
 */
public sealed interface Pool2dSpec extends LayerSpec permits MaxPool2dSpec, AvgPool2dSpec {
    /** The padding of a pooling layer that names none. */
    int DEFAULT_PADDING = 0;

    int kernelH();

    int kernelW();

    int strideH();

    int strideW();

    int padH();

    int padW();

    /** Whether the padding is computed from the input ({@code padding = same}; padH and padW are then 0). */
    boolean samePadding();

    /** {@code (p_h, p_w)} for an input of shape {@code input}: the declared padding or same padding's. */
    default int[] padding(ActivationShape input) {
        return Windows.padding(name(), input, kernelH(), kernelW(), strideH(), strideW(), padH(), padW(), samePadding());
    }

    @Override
    default ActivationShape outputShape(ActivationShape input) {
        return Windows.output(name(), type(), input, kernelH(), kernelW(), strideH(), strideW(), padH(), padW(),
                samePadding(), input.channels());
    }
}
