package org.sparkmec.engine.shape;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The validated shape arithmetic of one convolution call (notation of Cho &amp; Brand, ICML 2017).
 *
 * <p>Input I is NHWC {@code i_n x i_h x i_w x i_c}; kernel K is HWIO {@code k_h x k_w x i_c x k_c};
 * output O is NHWC {@code i_n x o_h x o_w x k_c} with {@code o_h = (i_h + 2 p_h - k_h) / s_h + 1}
 * (integer division: trailing input rows that no window covers are unused) and likewise {@code o_w}.
 * Sizes are element counts (floats) unless a name says bytes. Serializable (a value), so that layer
 * descriptions can travel in a Spark task's closure.
 */
public record ConvGeometry(int batch, int inH, int inW, int inC, int kH, int kW, int outC,
                           int strideH, int strideW, int padH, int padW) implements Serializable {

    public ConvGeometry {
        requirePositive("batch i_n", batch);
        requirePositive("input height i_h", inH);
        requirePositive("input width i_w", inW);
        requirePositive("input channels i_c", inC);
        requirePositive("kernel height k_h", kH);
        requirePositive("kernel width k_w", kW);
        requirePositive("output channels k_c", outC);
        new Conv2dParams(strideH, strideW, padH, padW);
        if (kH > inH + 2 * padH || kW > inW + 2 * padW) {
            throw new IllegalArgumentException("kernel " + kH + "x" + kW + " larger than padded input "
                    + (inH + 2 * padH) + "x" + (inW + 2 * padW) + " (input " + inH + "x" + inW + " plus padding "
                    + padH + "x" + padW + " on each side); the kernel must fit the padded input");
        }
        long lowered = (long) batch * ((inW + 2L * padW - kW) / strideW + 1) * (inH + 2L * padH) * kW * inC;
        long im2col = (long) batch * ((inH + 2L * padH - kH) / strideH + 1) * ((inW + 2L * padW - kW) / strideW + 1)
                * kH * kW * inC;
        long rowLength = (inH + 2L * padH) * kW * inC;
        if (rowLength > Integer.MAX_VALUE || (long) kH * kW * inC > Integer.MAX_VALUE
                || Math.max(lowered, im2col) > Long.MAX_VALUE / 8) {
            throw new IllegalArgumentException("convolution too large for 32-bit BLAS leading dimensions: lowered row of "
                    + rowLength + " floats");
        }
    }

    private static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /**
     * Derives and validates the geometry of {@code conv(input, kernel)} with the given stride and padding.
     *
     * @throws IllegalArgumentException on a wrong layout, a channel mismatch or a kernel larger than the
     *                                  padded input; the message names both shapes and the rule
     * @throws IllegalStateException    if a tensor is closed
     */
    public static ConvGeometry of(Tensor input, Tensor kernel, Conv2dParams params) {
        requireLayout("input", input, Layout.NHWC);
        requireLayout("kernel", kernel, Layout.HWIO);
        if (input.dim(3) != kernel.dim(2)) {
            throw new IllegalArgumentException("channel mismatch: input " + Arrays.toString(input.dims())
                    + " (n, h, w, c) has i_c=" + input.dim(3) + " channels but kernel " + Arrays.toString(kernel.dims())
                    + " (k_h, k_w, i_c, k_c) expects i_c=" + kernel.dim(2));
        }
        return new ConvGeometry(input.dim(0), input.dim(1), input.dim(2), input.dim(3), kernel.dim(0), kernel.dim(1),
                kernel.dim(3), params.strideH(), params.strideW(), params.padH(), params.padW());
    }

    /** Checks that {@code tensor} is open and has the given layout. */
    public static void requireLayout(String name, Tensor tensor, Layout layout) {
        if (tensor == null) {
            throw new IllegalArgumentException(name + " tensor is null; expected a " + layout + " tensor ("
                    + layout.dimensionNames() + ")");
        }
        tensor.checkOpen();
        if (tensor.layout() != layout) {
            throw new IllegalArgumentException(name + " must be a " + layout + " tensor (" + layout.dimensionNames()
                    + "), got " + tensor.layout() + " of shape " + Arrays.toString(tensor.dims()));
        }
    }

    /** Checks that {@code tensor} is open, has the given layout and exactly the expected dims. */
    public static void requireShape(String name, Tensor tensor, Layout layout, int... expected) {
        requireLayout(name, tensor, layout);
        if (!Arrays.equals(tensor.dims(), expected)) {
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(expected) + " ("
                    + layout.dimensionNames() + "), got " + Arrays.toString(tensor.dims()));
        }
    }

    public Conv2dParams params() {
        return new Conv2dParams(strideH, strideW, padH, padW);
    }

    /** Padded input height {@code i_h + 2 p_h}: the i_h of the paper's MEC formulas. */
    public int paddedH() {
        return inH + 2 * padH;
    }

    /** Padded input width {@code i_w + 2 p_w}. */
    public int paddedW() {
        return inW + 2 * padW;
    }

    /** {@code o_h = (i_h + 2 p_h - k_h) / s_h + 1}. */
    public int outH() {
        return (paddedH() - kH) / strideH + 1;
    }

    /** {@code o_w = (i_w + 2 p_w - k_w) / s_w + 1}. */
    public int outW() {
        return (paddedW() - kW) / strideW + 1;
    }

    /** Rows of the kernel matrix, {@code k_h * k_w * i_c}: the K dimension of every forward GEMM. */
    public int kernelRows() {
        return kH * kW * inC;
    }

    /** Length of one MEC lowered row, {@code (i_h + 2 p_h) * k_w * i_c}: the lda of every MEC GEMM. */
    public int loweredRowLength() {
        return paddedH() * kW * inC;
    }

    /** Column offset between consecutive MEC windows, {@code s_h * k_w * i_c}. */
    public int windowStride() {
        return strideH * kW * inC;
    }

    public long inputElements() {
        return (long) batch * inH * inW * inC;
    }

    public long outputElements() {
        return (long) batch * outH() * outW() * outC;
    }

    public long kernelElements() {
        return (long) kernelRows() * outC;
    }

    /** |L| of MEC: {@code i_n * o_w * (i_h + 2 p_h) * k_w * i_c} floats. */
    public long mecLoweredElements() {
        return (long) batch * outW() * loweredRowLength();
    }

    /** im2col's lowered matrix: {@code i_n * o_h * o_w * k_h * k_w * i_c} floats. */
    public long im2colElements() {
        return (long) batch * outH() * outW() * kernelRows();
    }

    /** Forward floating-point operations of the whole batch: {@code 2 * i_n * o_h * o_w * k_c * k_h * k_w * i_c}. */
    public double forwardFlops() {
        return 2.0 * batch * outH() * outW() * outC * kernelRows();
    }

    /** Output shape (NHWC). */
    public int[] outputDims() {
        return new int[] {batch, outH(), outW(), outC};
    }

    public int[] inputDims() {
        return new int[] {batch, inH, inW, inC};
    }

    public int[] kernelDims() {
        return new int[] {kH, kW, inC, outC};
    }

    /** The same layer at another batch size. */
    public ConvGeometry withBatch(int newBatch) {
        return new ConvGeometry(newBatch, inH, inW, inC, kH, kW, outC, strideH, strideW, padH, padW);
    }

    @Override
    public String toString() {
        return "conv[n=" + batch + " in=" + inH + "x" + inW + "x" + inC + " k=" + kH + "x" + kW + "x" + outC
                + " s=" + strideH + "x" + strideW + " p=" + padH + "x" + padW + " out=" + outH() + "x" + outW() + "]";
    }
}
