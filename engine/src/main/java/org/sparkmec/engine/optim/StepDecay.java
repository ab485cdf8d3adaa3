package org.sparkmec.engine.optim;

/**
 * The base rate multiplied by {@code gamma} every {@code everyEpochs} epochs, as PyTorch's {@code StepLR}:
 * {@code rate = baseRate * gamma^floor(epoch / everyEpochs)}, constant within an epoch.
 *
 * @param baseRate    rate of the first epochs, finite and {@code > 0}
 * @param gamma       factor, in (0, 1]
 * @param everyEpochs epochs between decays, {@code >= 1}
 */
public record StepDecay(double baseRate, double gamma, int everyEpochs) implements LearningRateSchedule {
    /** PyTorch's default factor of {@code StepLR}. */
    public static final double DEFAULT_GAMMA = 0.1;
    /** The interval of the classic ImageNet ResNet recipe (He et al., 2016): 90 epochs, decays at 30 and 60. */
    public static final int DEFAULT_EVERY_EPOCHS = 30;

    public StepDecay {
        Checks.positive("learning rate", baseRate);
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("step decay gamma must be in (0, 1], got " + gamma);
        }
        Checks.atLeastOne("step decay interval (epochs)", everyEpochs);
    }

    @Override
    public double rate(int epoch, long step, long stepsPerEpoch) {
        Checks.position(epoch, step, stepsPerEpoch);
        return baseRate * Math.pow(gamma, epoch / everyEpochs);
    }
}
