package org.sparkmec.engine.optim;

import org.sparkmec.engine.config.ConfigEnums;

/** The learning-rate schedules, as named in configuration and on the command line. */
public enum ScheduleKind {
    /** The base rate at every step: {@link ConstantRate}. */
    CONSTANT,
    /** The base rate multiplied by gamma every N epochs: {@link StepDecay}. */
    STEP,
    /** Cosine annealing from the base rate to a minimum over the training: {@link CosineAnnealing}. */
    COSINE;

    /** Parses {@code constant|step|cosine}, case-insensitive. */
    public static ScheduleKind parse(String value) {
        return ConfigEnums.parse(ScheduleKind.class, value, "learning-rate schedule");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
