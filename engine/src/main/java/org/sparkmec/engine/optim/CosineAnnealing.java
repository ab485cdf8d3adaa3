package org.sparkmec.engine.optim;

/**
 * Cosine annealing from the base rate to a minimum over the whole training (Loshchilov &amp; Hutter, SGDR,
 * ICLR 2017, without restarts), evaluated per step: with {@code p = (epoch + step / stepsPerEpoch) /
 * totalEpochs}, in [0, 1),
 *
 * <pre>
 * rate = minRate + (baseRate - minRate) * (1 + cos(pi * p)) / 2
 * </pre>
 *
 * <p>so the first step gets {@code baseRate}, the middle of the training {@code (baseRate + minRate) / 2},
 * and the rate approaches {@code minRate} at the end without reaching it.
 *
 * @param baseRate    the first step's rate, finite and {@code > 0}
 * @param minRate     the rate approached at the end, in [0, baseRate]
 * @param totalEpochs epochs of the training, {@code >= 1}; later epochs are rejected
 */
public record CosineAnnealing(double baseRate, double minRate, int totalEpochs) implements LearningRateSchedule {
    public static final double DEFAULT_MIN_RATE = 0;

    public CosineAnnealing {
        Checks.positive("learning rate", baseRate);
        if (!(minRate >= 0 && minRate <= baseRate)) {
            throw new IllegalArgumentException("cosine minimum rate must be in [0, learning rate " + baseRate
                    + "], got " + minRate);
        }
        Checks.atLeastOne("epochs", totalEpochs);
    }

    /** Annealing to 0. */
    public CosineAnnealing(double baseRate, int totalEpochs) {
        this(baseRate, DEFAULT_MIN_RATE, totalEpochs);
    }

    @Override
    public double rate(int epoch, long step, long stepsPerEpoch) {
        Checks.position(epoch, step, stepsPerEpoch);
        if (epoch >= totalEpochs) {
            throw new IllegalArgumentException("epoch " + epoch + " is past the cosine schedule's " + totalEpochs
                    + " epochs (0 to " + (totalEpochs - 1) + ")");
        }
        double progress = (epoch + (double) step / stepsPerEpoch) / totalEpochs;
        return minRate + (baseRate - minRate) * (1 + Math.cos(Math.PI * progress)) / 2;
    }
}
