package org.sparkmec.engine.optim;

import java.util.Objects;

/**
 * The settings of a learning-rate schedule as configuration and the command line give them
 * ({@code --lr}, the schedule name {@code constant|step|cosine} and the keys of each setting), and the
 * factory of the {@link LearningRateSchedule}.
 *
 * <p>Every setting is validated when the spec is built, with the rules of {@link StepDecay},
 * {@link CosineAnnealing} and {@link LinearWarmup}, whichever kind is chosen; settings of other kinds are
 * ignored ({@code gamma}, {@code stepEpochs} by all but step; {@code minRate} by all but cosine).
 *
 * @param kind        which schedule {@link #create} builds
 * @param baseRate    the learning rate ({@code --lr}), finite and {@code > 0}
 * @param gamma       step decay factor, in (0, 1]
 * @param stepEpochs  epochs between step decays, {@code >= 1}
 * @param minRate     cosine minimum, in [0, baseRate]
 * @param warmupSteps steps of linear warm-up before any kind, {@code >= 0} (0: none)
 */
public record ScheduleSpec(ScheduleKind kind, double baseRate, double gamma, int stepEpochs, double minRate,
                           long warmupSteps) implements java.io.Serializable {

    /** @throws IllegalArgumentException naming the setting, its value and the rule broken */
    public ScheduleSpec {
        Objects.requireNonNull(kind, "kind");
        // The schedules' constructors hold the rules; build them to apply the rules once, here.
        new StepDecay(baseRate, gamma, stepEpochs);
        new CosineAnnealing(baseRate, minRate, 1);
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
    }

    /** {@code kind} at {@code baseRate} with the defaults of the other settings and no warm-up. */
    public static ScheduleSpec of(ScheduleKind kind, double baseRate) {
        return new ScheduleSpec(kind, baseRate, StepDecay.DEFAULT_GAMMA, StepDecay.DEFAULT_EVERY_EPOCHS,
                CosineAnnealing.DEFAULT_MIN_RATE, 0);
    }

    /**
     * The schedule of a training of {@code totalEpochs} epochs (the cosine's length).
     *
     * @throws IllegalArgumentException if {@code totalEpochs < 1}
     */
    public LearningRateSchedule create(int totalEpochs) {
        Checks.atLeastOne("epochs", totalEpochs);
        LearningRateSchedule schedule = switch (kind) {
            case CONSTANT -> new ConstantRate(baseRate);
            case STEP -> new StepDecay(baseRate, gamma, stepEpochs);
            case COSINE -> new CosineAnnealing(baseRate, minRate, totalEpochs);
        };
        return warmupSteps == 0 ? schedule : new LinearWarmup(schedule, warmupSteps);
    }

    public ScheduleSpec withGamma(double value) {
        return new ScheduleSpec(kind, baseRate, value, stepEpochs, minRate, warmupSteps);
    }

    public ScheduleSpec withStepEpochs(int value) {
        return new ScheduleSpec(kind, baseRate, gamma, value, minRate, warmupSteps);
    }

    public ScheduleSpec withMinRate(double value) {
        return new ScheduleSpec(kind, baseRate, gamma, stepEpochs, value, warmupSteps);
    }

    public ScheduleSpec withWarmupSteps(long value) {
        return new ScheduleSpec(kind, baseRate, gamma, stepEpochs, minRate, value);
    }
}
