package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.SamePadding;

/**
 * A 2-D convolution: {@code filters} (k_c) kernels of {@code kernelH x kernelW} over all input channels, with
 * stride and zero padding; output {@code o_h x o_w x k_c} with {@code o_h = (i_h + 2 p_h - k_h) / s_h + 1}
 * (integer division) and likewise {@code o_w}. Weights are HWIO {@code k_h x k_w x i_c x k_c}.
 *
 * @param name      unique layer name
 * @param filters   output channels k_c, at least 1
 * @param kernelH   k_h, at least 1
 * @param kernelW   k_w, at least 1
 * @param strideH   s_h, at least 1 (default {@value #DEFAULT_STRIDE})
 * @param strideW   s_w, at least 1
 * @param padH      p_h zero rows above and below, at least 0 (default {@value #DEFAULT_PADDING}); 0 with same padding
 * @param padW      p_w zero columns left and right, at least 0; 0 with same padding
 * @param algorithm which convolution algorithm to use (default auto)
 * @param bias      whether the layer adds a bias per output channel (default {@value #DEFAULT_BIAS})
 * @param init      weight initialization (default he)
 * @param samePadding whether the padding is computed from the input so that {@code o = ceil(i / s)}
 *                  ({@link SamePadding}: {@code padding = same} in model files) instead of padH and padW
 */
public record Conv2dSpec(String name, int filters, int kernelH, int kernelW, int strideH, int strideW, int padH,
                         int padW, ConvAlgorithmChoice algorithm, boolean bias, WeightInit init, boolean samePadding)
        implements LayerSpec {
    public static final int DEFAULT_STRIDE = 1;
    public static final int DEFAULT_PADDING = 0;
    public static final ConvAlgorithmChoice DEFAULT_ALGORITHM = ConvAlgorithmChoice.AUTO;
    public static final boolean DEFAULT_BIAS = true;
    public static final WeightInit DEFAULT_INIT = WeightInit.HE;

    public Conv2dSpec {
        Checks.layerName(name);
        Checks.atLeast(name, ModelKeys.FILTERS, filters, 1);
        Windows.check(name, kernelH, kernelW, strideH, strideW, padH, padW);
        Checks.notNull(name, ModelKeys.ALGORITHM, algorithm);
        Checks.notNull(name, ModelKeys.INIT, init);
        Windows.checkSamePadding(name, samePadding, padH, padW);
    }

    /** A convolution with the given padding (no same padding). */
    public Conv2dSpec(String name, int filters, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                      ConvAlgorithmChoice algorithm, boolean bias, WeightInit init) {
        this(name, filters, kernelH, kernelW, strideH, strideW, padH, padW, algorithm, bias, init, false);
    }

    /** A square {@code kernel x kernel} convolution with every other field at its default. */
    public static Conv2dSpec of(String name, int filters, int kernel) {
        return new Conv2dSpec(name, filters, kernel, kernel, DEFAULT_STRIDE, DEFAULT_STRIDE, DEFAULT_PADDING,
                DEFAULT_PADDING, DEFAULT_ALGORITHM, DEFAULT_BIAS, DEFAULT_INIT);
    }

    @Override
    public LayerType type() {
        return LayerType.CONV2D;
    }

    /** Stride and padding as the engine's convolutions take them, for an input of shape {@code input}. */
    public Conv2dParams params(ActivationShape input) {
        int[] pad = Windows.padding(name, input, kernelH, kernelW, strideH, strideW, padH, padW, samePadding);
        return new Conv2dParams(strideH, strideW, pad[0], pad[1]);
    }

    @Override
    public ActivationShape outputShape(ActivationShape input) {
        return Windows.output(name, type(), input, kernelH, kernelW, strideH, strideW, padH, padW, samePadding,
                filters);
    }
}
