package org.sparkmec.engine.optim;

/** Argument checks of this package; messages name the value, what it is and the rule broken. */
final class Checks {
    private Checks() {
    }

    /** {@code value} finite and {@code > 0}. */
    static double positive(String what, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be finite and > 0, got " + value);
        }
        return value;
    }

    /** {@code value} finite and {@code >= 0}. */
    static double nonNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    /** {@code value} in {@code [0, 1)}. */
    static double unitInterval(String what, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + value);
        }
        return value;
    }

    /** {@code value >= 1}. */
    static int atLeastOne(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
        return value;
    }

    /**
     * The position passed to {@link LearningRateSchedule#rate}: {@code epoch >= 0},
     * {@code stepsPerEpoch >= 1}, {@code 0 <= step < stepsPerEpoch}.
     */
    static void position(int epoch, long step, long stepsPerEpoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("steps per epoch must be at least 1, got " + stepsPerEpoch);
        }
        if (step < 0 || step >= stepsPerEpoch) {
            throw new IllegalArgumentException("step " + step + " outside [0, " + stepsPerEpoch
                    + ") (the step within the epoch, 0-based, below the steps per epoch)");
        }
    }

    /** The 0-based step counted from the start of training. */
    static long globalStep(int epoch, long step, long stepsPerEpoch) {
        return Math.addExact(Math.multiplyExact((long) epoch, stepsPerEpoch), step);
    }
}
