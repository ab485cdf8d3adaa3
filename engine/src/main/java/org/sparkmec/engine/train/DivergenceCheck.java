package org.sparkmec.engine.train;

import java.util.Locale;

/**
 * Detects a diverged run at the step where it happens, before that step's update is applied, for both trainers
 * (in process, and on the Spark driver): a mean loss that is NaN or infinite, or above a bound
 * ({@link TrainConf#MAX_LOSS}; 0 turns the bound off). Checkpoints and the final model are never written with
 * non-finite values ({@link Checkpoint#write}).
 */
public final class DivergenceCheck {
    private final double maxLoss;

    /** @param maxLoss the largest mean loss a step may have; 0 for no bound (non-finite losses still stop) */
    public DivergenceCheck(double maxLoss) {
        if (!(maxLoss >= 0)) {
            throw new IllegalArgumentException("maxLoss must be 0 (no bound) or positive, got " + maxLoss);
        }
        this.maxLoss = maxLoss;
    }

    /**
     * Checks the mean loss of a step.
     *
     * @param epoch         the epoch, from 0
     * @param stepInEpoch   the step within the epoch, from 0
     * @param stepsPerEpoch steps in an epoch
     * @param rate          the learning rate this step would apply
     * @throws TrainingDivergedException naming epoch, step, loss and learning rate
     */
    public void checkLoss(double loss, int epoch, int stepInEpoch, int stepsPerEpoch, double rate) {
        boolean finite = Double.isFinite(loss);
        if (finite && (maxLoss == 0 || loss <= maxLoss)) {
            return;
        }
        throw new TrainingDivergedException(String.format(Locale.ROOT, "training diverged at epoch %d step %d of %d: "
                        + "the loss is %s%s at learning rate %s; no update of that step was applied, lower the learning "
                        + "rate (--lr)", epoch + 1, stepInEpoch + 1, stepsPerEpoch, finite ? String.format(Locale.ROOT,
                        "%.4g", loss) : Double.toString(loss), finite ? ", above " + TrainConf.MAX_LOSS.key() + " = "
                        + maxLoss : "", rate));
    }

    /** The index of the first value that is not finite, or -1. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code values[from..from+length)} are all finite (neither NaN nor infinite). */
    public static boolean allFinite(float[] values, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }
}
