package org.sparkmec.engine.optim;

import org.sparkmec.engine.backend.OptimizerKernels;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * Adam (Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with L2 weight decay added
 * to the gradient, as PyTorch's {@code torch.optim.Adam} (not AdamW's decoupled decay, not AMSGrad). Per
 * element, at step {@code t} (from 1), with learning rate {@code lr}, gradient {@code g}, moments {@code m}
 * and {@code v} (zero before the first step):
 *
 * <pre>
 * g' = g + wd * w
 * m  = beta1 * m + (1 - beta1) * g'
 * v  = beta2 * v + (1 - beta2) * g'^2
 * m^ = m / (1 - beta1^t)
 * v^ = v / (1 - beta2^t)
 * w  = w - lr * m^ / (sqrt(v^) + epsilon)
 * </pre>
 *
 * <p>{@code t} counts the optimizer's steps, so a parameter first seen at a later step is treated as if its
 * earlier gradients had been zero. Arithmetic is in double per element; {@code m}, {@code v} and {@code w}
 * are stored as float. State: two arrays ({@code m}, then {@code v}) per parameter.
 */
public final class Adam extends SlotOptimizer {
    /** The paper's and PyTorch's default rate. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** PyTorch's defaults. */
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0;

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    /**
     * @param beta1       decay of the first moment, in [0, 1)
     * @param beta2       decay of the second moment, in [0, 1)
     * @param epsilon     added to the denominator, finite and {@code > 0}
     * @param weightDecay {@code wd}, finite and {@code >= 0}
     * @throws IllegalArgumentException naming the value and the rule broken
     */
    public Adam(double beta1, double beta2, double epsilon, double weightDecay) {
        this.beta1 = Checks.unitInterval("Adam beta1", beta1);
        this.beta2 = Checks.unitInterval("Adam beta2", beta2);
        this.epsilon = Checks.positive("Adam epsilon", epsilon);
        this.weightDecay = Checks.nonNegative("Adam weight decay", weightDecay);
    }

    /** PyTorch's defaults: betas (0.9, 0.999), epsilon 1e-8, no weight decay. */
    public Adam() {
        this(DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, DEFAULT_WEIGHT_DECAY);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAM;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    int slotsPerParameter() {
        return 2;
    }

    @Override
    void update(float[] src, int srcAt, float[] w, int wAt, float[] g, int gAt, int length, float[][] slots, int offset,
                double lr, long t) {
        double b1 = beta1;
        double b2 = beta2;
        double eps = epsilon;
        double wd = weightDecay;
        double correction1 = 1 - Math.pow(b1, t);
        double correction2 = 1 - Math.pow(b2, t);
        float[] m = slots[0];
        float[] v = slots[1];
        for (int i = 0; i < length; i++) {
            int k = offset + i;
            double wi = src[srcAt + i];
            double gi = g[gAt + i] + wd * wi;
            double mi = b1 * m[k] + (1 - b1) * gi;
            double vi = b2 * v[k] + (1 - b2) * gi * gi;
            m[k] = (float) mi;
            v[k] = (float) vi;
            w[wAt + i] = (float) (wi - lr * (mi / correction1) / (Math.sqrt(vi / correction2) + eps));
        }
    }

    @Override
    void deviceUpdate(OptimizerKernels kernels, FloatStorage w, FloatStorage g, FloatStorage[] slots, long length,
                      double lr, long t) {
        kernels.adam(w, g, slots[0], slots[1], length, lr, beta1, beta2, epsilon, weightDecay, 1 - Math.pow(beta1, t),
                1 - Math.pow(beta2, t));
    }

    @Override
    public String toString() {
        return "adam(beta1 " + beta1 + ", beta2 " + beta2 + ", epsilon " + epsilon + ", weight decay " + weightDecay
                + ")";
    }
}
