package org.sparkmec.engine.optim;

import java.util.Objects;

/**
 * Linear warm-up over the first {@code warmupSteps} steps of the training (counted across epochs), then the
 * wrapped schedule unchanged (Goyal et al., "Accurate, Large Minibatch SGD", 2017): with
 * {@code s = epoch * stepsPerEpoch + step},
 *
 * <pre>
 * rate = schedule.rate(...) * min(1, (s + 1) / warmupSteps)
 * </pre>
 *
 * <p>so the first step gets {@code 1 / warmupSteps} of the wrapped rate (never 0) and step
 * {@code warmupSteps - 1} the full rate.
 *
 * @param schedule    the schedule warmed up
 * @param warmupSteps steps of the ramp, {@code >= 1}
 */
public record LinearWarmup(LearningRateSchedule schedule, long warmupSteps) implements LearningRateSchedule {

    public LinearWarmup {
        Objects.requireNonNull(schedule, "schedule");
        if (warmupSteps < 1) {
            throw new IllegalArgumentException("warm-up steps must be at least 1, got " + warmupSteps);
        }
    }

    @Override
    public double rate(int epoch, long step, long stepsPerEpoch) {
        double rate = schedule.rate(epoch, step, stepsPerEpoch);
        long s = Checks.globalStep(epoch, step, stepsPerEpoch);
        return s + 1 >= warmupSteps ? rate : rate * (s + 1) / warmupSteps;
    }
}
