package org.sparkmec.engine.conv;

import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A 2-D convolution algorithm with a fixed stride and padding: forward and backward passes over NHWC
 * activations and HWIO kernels (see {@link ConvGeometry} for the shapes and the output-size formula).
 *
 * <p>Every call validates its arguments (layouts, shapes, channel agreement, open tensors) and throws
 * {@link IllegalArgumentException} or {@link IllegalStateException} naming the offending value; below
 * that the kernels are unchecked. Every call reports the workspace it allocated, which equals
 * {@link #forwardWorkspaceBytes} / {@link #backwardWorkspaceBytes} for the same geometry.
 *
 * <p>Thread affinity: an instance may be used from one thread at a time; it may use its backend's
 * worker threads internally.
 */
public interface Convolution {

    ConvAlgorithm algorithm();

    Conv2dParams params();

    /**
     * Computes {@code output = conv(input, kernel) + bias}.
     *
     * @param input  NHWC {@code i_n x i_h x i_w x i_c}
     * @param kernel HWIO {@code k_h x k_w x i_c x k_c}
     * @param bias   VECTOR of {@code k_c}, or null for none
     * @param output NHWC {@code i_n x o_h x o_w x k_c}, overwritten
     */
    ConvStats forward(Tensor input, Tensor kernel, Tensor bias, Tensor output);

    /**
     * Computes the gradients of a loss with respect to the input, kernel and bias, given the gradient
     * with respect to the output. Gradients are overwritten, not accumulated.
     *
     * @param input          the forward input, NHWC
     * @param kernel         the forward kernel, HWIO
     * @param gradOutput     dL/dO, NHWC {@code i_n x o_h x o_w x k_c}
     * @param gradInput      dL/dI, NHWC like input, or null to skip (a network's first layer)
     * @param gradKernel     dL/dK, HWIO like kernel, or null to skip
     * @param gradBias       dL/db, VECTOR of {@code k_c}, or null to skip
     */
    ConvStats backward(Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput, Tensor gradKernel,
                       Tensor gradBias);

    /** Workspace bytes {@link #forward} allocates for this geometry, computed from the shapes alone. */
    long forwardWorkspaceBytes(ConvGeometry geometry);

    /**
     * Workspace bytes {@link #backward} allocates for this geometry when all three gradients are
     * requested, computed from the shapes alone.
     */
    long backwardWorkspaceBytes(ConvGeometry geometry);
}
