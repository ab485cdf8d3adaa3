package org.sparkmec.engine.backend.cuda;

import org.sparkmec.engine.backend.OptimizerKernels;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The optimizers' updates as kernels ({@code sgd_update}, {@code adam_update} in {@code mec_kernels.cu}): one
 * thread per element, double arithmetic with explicit round-to-nearest operations (no contraction into fused
 * multiply-adds), so the results equal the host optimizers' bit for bit. One launch per parameter.
 */
final class CudaOptimizerKernels implements OptimizerKernels {
    private final CudaModule module;

    CudaOptimizerKernels(CudaModule module) {
        this.module = module;
    }

    @Override
    public void sgd(FloatStorage weights, FloatStorage gradients, FloatStorage velocity, long length,
                    double learningRate, double momentum, boolean nesterov, double weightDecay) {
        module.launch("sgd_update", length, weights, gradients, momentum == 0 ? null : velocity, length, learningRate,
                momentum, nesterov ? 1 : 0, weightDecay);
    }

    @Override
    public void adam(FloatStorage weights, FloatStorage gradients, FloatStorage m, FloatStorage v, long length,
                     double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                     double correction1, double correction2) {
        module.launch("adam_update", length, weights, gradients, m, v, length, learningRate, beta1, 1 - beta1, beta2,
                1 - beta2, epsilon, weightDecay, correction1, correction2);
    }
}
