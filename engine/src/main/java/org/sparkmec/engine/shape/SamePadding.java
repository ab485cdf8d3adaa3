package org.sparkmec.engine.shape;

/**
 * "Same" padding of a sliding window in one direction: the output has {@code o = ceil(i / s)} positions, as
 * TensorFlow's and PyTorch's {@code padding = "same"} give, with the engine's symmetric padding.
 *
 * <p>The padding needed in all is {@code total = max((o - 1) * s + k - i, 0)}. The engine pads both sides
 * equally, with {@code p = ceil(total / 2)}; when {@code total} is odd, the last padded row (column) is never
 * read, because {@code o = (i + 2p - k) / s + 1} rounds it away for {@code s >= 2}. The window positions are
 * therefore those of top/left {@code ceil(total / 2)}, bottom/right {@code floor(total / 2)}: the extra row goes
 * to the top/left, as PyTorch's symmetric {@code padding = k / 2} does for odd kernels (torchvision's ResNets),
 * whereas TensorFlow's SAME puts it at the bottom/right. At stride 1 an odd total (an even kernel) would need
 * asymmetric padding, which the engine does not have, so it is refused.
 */
public final class SamePadding {
    private SamePadding() {
    }

    /**
     * The padding on each side for an input of {@code input} positions, a window of {@code kernel} and a stride.
     *
     * @throws IllegalArgumentException for an even kernel at stride 1, or a non-positive argument
     */
    public static int of(int input, int kernel, int stride) {
        if (input < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("same padding needs positive input, kernel and stride, got input "
                    + input + ", kernel " + kernel + ", stride " + stride);
        }
        long out = (input + (long) stride - 1) / stride;
        long total = Math.max((out - 1) * stride + kernel - input, 0);
        if (stride == 1 && total % 2 == 1) {
            throw new IllegalArgumentException("same padding for kernel " + kernel + " at stride 1 needs "
                    + total + " rows or columns of padding, an odd number: that is asymmetric padding, which the engine"
                    + " does not support; use an odd kernel or give the padding as numbers");
        }
        return (int) ((total + 1) / 2);
    }
}
