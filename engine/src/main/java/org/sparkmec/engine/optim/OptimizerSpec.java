package org.sparkmec.engine.optim;

import java.util.Objects;

/**
 * The settings of an optimizer as configuration and the command line give them ({@code --optimizer
 * sgd|adam} and the keys of each setting), and the factory of the {@link Optimizer}. The learning rate is
 * not here: it belongs to the {@link ScheduleSpec}, and the optimizer gets it at every step.
 *
 * <p>Every setting is validated when the spec is built, with the rules of {@link Sgd} and {@link Adam},
 * whichever kind is chosen; the settings of the other kind are ignored ({@code momentum},
 * {@code nesterov} by Adam; {@code beta1}, {@code beta2}, {@code epsilon} by SGD). {@code weightDecay}
 * applies to both.
 *
 * @param kind        which optimizer {@link #create()} builds
 * @param momentum    SGD momentum, in [0, 1)
 * @param nesterov    SGD Nesterov momentum; requires {@code momentum > 0} when the kind is SGD
 * @param weightDecay L2 weight decay added to the gradient, finite and {@code >= 0}
 * @param beta1       Adam first-moment decay, in [0, 1)
 * @param beta2       Adam second-moment decay, in [0, 1)
 * @param epsilon     Adam denominator term, finite and {@code > 0}
 */
public record OptimizerSpec(OptimizerKind kind, double momentum, boolean nesterov, double weightDecay, double beta1,
                            double beta2, double epsilon) implements java.io.Serializable {

    /** @throws IllegalArgumentException naming the setting, its value and the rule broken */
    public OptimizerSpec {
        Objects.requireNonNull(kind, "kind");
        // The optimizers' constructors hold the rules; build both to apply them once, here.
        new Sgd(momentum, nesterov && kind == OptimizerKind.SGD, weightDecay);
        new Adam(beta1, beta2, epsilon, weightDecay);
    }

    /** The defaults of {@code kind} (PyTorch's): plain SGD; Adam with betas (0.9, 0.999), epsilon 1e-8. */
    public static OptimizerSpec defaults(OptimizerKind kind) {
        return new OptimizerSpec(kind, Sgd.DEFAULT_MOMENTUM, Sgd.DEFAULT_NESTEROV,
                kind == OptimizerKind.ADAM ? Adam.DEFAULT_WEIGHT_DECAY : Sgd.DEFAULT_WEIGHT_DECAY,
                Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON);
    }

    /**
     * The defaults of the optimizer named {@code name} ({@code sgd|adam}, case-insensitive).
     *
     * @throws IllegalArgumentException naming the value and the allowed names
     */
    public static OptimizerSpec parse(String name) {
        return defaults(OptimizerKind.parse(name));
    }

    /** A new optimizer of these settings, with no state. */
    public Optimizer create() {
        return switch (kind) {
            case SGD -> new Sgd(momentum, nesterov, weightDecay);
            case ADAM -> new Adam(beta1, beta2, epsilon, weightDecay);
        };
    }

    /** The usual starting rate of this kind, for a {@code --lr} left unset: SGD 0.01 (Keras), Adam 0.001. */
    public double defaultLearningRate() {
        return kind == OptimizerKind.ADAM ? Adam.DEFAULT_LEARNING_RATE : Sgd.DEFAULT_LEARNING_RATE;
    }

    public OptimizerSpec withMomentum(double value) {
        return new OptimizerSpec(kind, value, nesterov, weightDecay, beta1, beta2, epsilon);
    }

    public OptimizerSpec withNesterov(boolean value) {
        return new OptimizerSpec(kind, momentum, value, weightDecay, beta1, beta2, epsilon);
    }

    public OptimizerSpec withWeightDecay(double value) {
        return new OptimizerSpec(kind, momentum, nesterov, value, beta1, beta2, epsilon);
    }

    public OptimizerSpec withBetas(double b1, double b2) {
        return new OptimizerSpec(kind, momentum, nesterov, weightDecay, b1, b2, epsilon);
    }

    public OptimizerSpec withEpsilon(double value) {
        return new OptimizerSpec(kind, momentum, nesterov, weightDecay, beta1, beta2, value);
    }
}
