package org.sparkmec.engine.optim;

/**
 * The same learning rate at every step.
 *
 * @param rate finite and {@code > 0}
 */
public record ConstantRate(double rate) implements LearningRateSchedule {

    public ConstantRate {
        Checks.positive("learning rate", rate);
    }

    @Override
    public double rate(int epoch, long step, long stepsPerEpoch) {
        Checks.position(epoch, step, stepsPerEpoch);
        return rate;
    }
}
