package org.sparkmec.engine.backend;

import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The optimizers' element-wise updates as kernels of a backend whose buffers the host cannot read
 * directly (CUDA), so that a training step updates parameters where they live, with no host copies of
 * values, gradients or optimizer state. The equations are those of {@link org.sparkmec.engine.optim.Sgd}
 * and {@link org.sparkmec.engine.optim.Adam}, evaluated per element in double precision in the same order,
 * without fused multiply-adds, with the state and weights rounded to float: the result equals the host
 * optimizers' bit for bit. Unchecked: the optimizer validated the arguments. Asynchronous, in issue order
 * with the backend's other work.
 */
public interface OptimizerKernels {

    /**
     * SGD over {@code length} elements: {@code g' = g + wd*w}; without momentum {@code w -= lr*g'}; with it
     * {@code v = mu*v + g'}, {@code w -= lr*(nesterov ? g' + mu*v : v)}.
     *
     * @param velocity the velocity {@code v}, ignored (may be null) when {@code momentum == 0}
     */
    void sgd(FloatStorage weights, FloatStorage gradients, FloatStorage velocity, long length, double learningRate,
             double momentum, boolean nesterov, double weightDecay);

    /**
     * Adam over {@code length} elements: {@code g' = g + wd*w}, {@code m = b1*m + (1-b1)*g'},
     * {@code v = b2*v + (1-b2)*g'*g'}, {@code w -= lr*(m/c1)/(sqrt(v/c2) + eps)}.
     *
     * @param correction1 {@code 1 - beta1^t}
     * @param correction2 {@code 1 - beta2^t}
     */
    void adam(FloatStorage weights, FloatStorage gradients, FloatStorage m, FloatStorage v, long length,
              double learningRate, double beta1, double beta2, double epsilon, double weightDecay, double correction1,
              double correction2);
}
