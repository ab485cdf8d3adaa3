package org.sparkmec.engine.optim;

import org.sparkmec.engine.backend.OptimizerKernels;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, in PyTorch's
 * convention ({@code torch.optim.SGD} without dampening). Per element, with learning rate {@code lr},
 * momentum {@code mu}, weight decay {@code wd}, gradient {@code g} and velocity {@code v} (zero before the
 * first step):
 *
 * <pre>
 * g' = g + wd * w
 * mu = 0:   w = w - lr * g'
 * mu &gt; 0:   v = mu * v + g'
 *           w = w - lr * (nesterov ? g' + mu * v : v)
 * </pre>
 *
 * <p>The Nesterov form is Sutskever et al., ICML 2013, as rewritten by PyTorch. Arithmetic is in double per
 * element; {@code v} and {@code w} are stored as float. State: one array ({@code v}) per parameter when
 * {@code mu > 0}, none otherwise.
 */
public final class Sgd extends SlotOptimizer {
    /** Keras's default rate (PyTorch has none for SGD). */
    public static final double DEFAULT_LEARNING_RATE = 0.01;
    /** PyTorch's defaults: plain SGD. */
    public static final double DEFAULT_MOMENTUM = 0;
    public static final boolean DEFAULT_NESTEROV = false;
    public static final double DEFAULT_WEIGHT_DECAY = 0;

    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;

    /**
     * @param momentum    {@code mu}, in [0, 1); 0 is plain SGD
     * @param nesterov    Nesterov momentum; requires {@code momentum > 0}
     * @param weightDecay {@code wd}, finite and {@code >= 0}
     * @throws IllegalArgumentException naming the value and the rule broken
     */
    public Sgd(double momentum, boolean nesterov, double weightDecay) {
        this.momentum = Checks.unitInterval("SGD momentum", momentum);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum requires SGD momentum > 0, got momentum 0.0");
        }
        this.nesterov = nesterov;
        this.weightDecay = Checks.nonNegative("SGD weight decay", weightDecay);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.SGD;
    }

    public double momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    int slotsPerParameter() {
        return momentum > 0 ? 1 : 0;
    }

    @Override
    void update(float[] src, int srcAt, float[] w, int wAt, float[] g, int gAt, int length, float[][] slots, int offset,
                double lr, long t) {
        double wd = weightDecay;
        if (momentum == 0) {
            for (int i = 0; i < length; i++) {
                double wi = src[srcAt + i];
                double gi = g[gAt + i] + wd * wi;
                w[wAt + i] = (float) (wi - lr * gi);
            }
            return;
        }
        double mu = momentum;
        float[] v = slots[0];
        for (int i = 0; i < length; i++) {
            double wi = src[srcAt + i];
            double gi = g[gAt + i] + wd * wi;
            double vi = mu * v[offset + i] + gi;
            v[offset + i] = (float) vi;
            double d = nesterov ? gi + mu * vi : vi;
            w[wAt + i] = (float) (wi - lr * d);
        }
    }

    @Override
    void deviceUpdate(OptimizerKernels kernels, FloatStorage w, FloatStorage g, FloatStorage[] slots, long length,
                      double lr, long t) {
        kernels.sgd(w, g, momentum > 0 ? slots[0] : null, length, lr, momentum, nesterov, weightDecay);
    }

    @Override
    public String toString() {
        return "sgd(momentum " + momentum + (nesterov ? ", nesterov" : "") + ", weight decay " + weightDecay + ")";
    }
}
