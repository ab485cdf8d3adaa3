package org.sparkmec.engine.conv;

import java.util.Objects;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Base of the algorithms: validates every public call (layouts, shapes, channel agreement, open
 * tensors, distinct outputs) and hands the checked geometry to the algorithm's unchecked body.
 */
abstract class ValidatedConvolution implements Convolution {
    private final Conv2dParams params;

    ValidatedConvolution(Conv2dParams params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    @Override
    public final Conv2dParams params() {
        return params;
    }

    @Override
    public final ConvStats forward(Tensor input, Tensor kernel, Tensor bias, Tensor output) {
        ConvGeometry g = ConvGeometry.of(input, kernel, params);
        ConvGeometry.requireShape("output", output, Layout.NHWC, g.outputDims());
        if (bias != null) {
            ConvGeometry.requireShape("bias", bias, Layout.VECTOR, g.outC());
        }
        requireDistinct(output, "output", input, kernel, bias);
        return forwardChecked(g, input, kernel, bias, output);
    }

    @Override
    public final ConvStats backward(Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                                    Tensor gradKernel, Tensor gradBias) {
        ConvGeometry g = ConvGeometry.of(input, kernel, params);
        ConvGeometry.requireShape("gradOutput", gradOutput, Layout.NHWC, g.outputDims());
        if (gradInput != null) {
            ConvGeometry.requireShape("gradInput", gradInput, Layout.NHWC, g.inputDims());
            requireDistinct(gradInput, "gradInput", input, kernel, gradOutput);
        }
        if (gradKernel != null) {
            ConvGeometry.requireShape("gradKernel", gradKernel, Layout.HWIO, g.kernelDims());
            requireDistinct(gradKernel, "gradKernel", input, kernel, gradOutput, gradInput);
        }
        if (gradBias != null) {
            ConvGeometry.requireShape("gradBias", gradBias, Layout.VECTOR, g.outC());
            requireDistinct(gradBias, "gradBias", input, kernel, gradOutput, gradInput, gradKernel);
        }
        return backwardChecked(g, input, kernel, gradOutput, gradInput, gradKernel, gradBias);
    }

    private static void requireDistinct(Tensor written, String name, Tensor... read) {
        for (Tensor t : read) {
            if (t != null && t == written) {
                throw new IllegalArgumentException(name + " must be a tensor of its own; it is also passed as an input");
            }
        }
    }

    abstract ConvStats forwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor bias, Tensor output);

    abstract ConvStats backwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor gradOutput,
                                       Tensor gradInput, Tensor gradKernel, Tensor gradBias);
}
