package org.sparkmec.engine.optim;

/**
 * The learning rate of each training step, as a function of the position in the training.
 *
 * <p>Positions are 0-based: {@code epoch} counts epochs, {@code step} counts the steps (batches) within the
 * epoch, {@code 0 <= step < stepsPerEpoch}; the step counted from the start of training is
 * {@code epoch * stepsPerEpoch + step}. Implementations: {@link ConstantRate}, {@link StepDecay},
 * {@link CosineAnnealing}, and {@link LinearWarmup} around any of them.
 */
public interface LearningRateSchedule {

    /**
     * The learning rate of step {@code step} of epoch {@code epoch}, {@code > 0}.
     *
     * @throws IllegalArgumentException if {@code epoch < 0}, {@code stepsPerEpoch < 1}, {@code step} is
     *                                  outside {@code [0, stepsPerEpoch)}, or the position lies past the
     *                                  schedule's end
     */
    double rate(int epoch, long step, long stepsPerEpoch);
}
