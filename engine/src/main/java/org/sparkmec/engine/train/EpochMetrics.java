package org.sparkmec.engine.train;

import java.util.Locale;

/**
 * One line of {@code metrics.csv}: the epoch's mean training loss and accuracy (over its mini-batches,
 * weighted by batch size), the test set's after the epoch, the training throughput and the validation set's
 * after the epoch. Sets that a run does not have (no test set, no validation split) are NaN.
 *
 * @param step                optimizer steps taken by the end of the epoch
 * @param imagesPerSecond     training images per second of the epoch (forward, backward and update)
 * @param validationLoss      mean loss on the validation split ({@link TrainConf#VALIDATION_FRACTION}), or NaN
 * @param validationAccuracy  accuracy on the validation split, or NaN
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double imagesPerSecond, double validationLoss,
                           double validationAccuracy) implements java.io.Serializable {

    /** The columns of {@code metrics.csv}; the validation columns come last so that older readers keep working. */
    public static final String CSV_HEADER = "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,images_per_s,"
            + "validation_loss,validation_accuracy";

    /** Metrics of a run without a validation split (its validation columns NaN). */
    public EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                        double testAccuracy, double imagesPerSecond) {
        this(epoch, step, trainLoss, trainAccuracy, testLoss, testAccuracy, imagesPerSecond, Double.NaN, Double.NaN);
    }

    /** Whether the run evaluated a validation split. */
    public boolean hasValidation() {
        return !Double.isNaN(validationAccuracy);
    }

    public String toCsv() {
        return String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.6f,%.1f,%.6f,%.6f", epoch, step, trainLoss,
                trainAccuracy, testLoss, testAccuracy, imagesPerSecond, validationLoss, validationAccuracy);
    }

    /**
     * Parses a line of {@link #toCsv} (or of the seven-column files written before the validation columns).
     *
     * @throws IllegalArgumentException if the line has neither 7 nor 9 fields
     * @throws NumberFormatException    if a field is not a number
     */
    public static EpochMetrics parseCsv(String line) {
        String[] f = line.split(",");
        if (f.length != 7 && f.length != 9) {
            throw new IllegalArgumentException("a metrics.csv row has 7 or 9 fields, got " + f.length + ": " + line);
        }
        double validationLoss = f.length == 9 ? Double.parseDouble(f[7]) : Double.NaN;
        double validationAccuracy = f.length == 9 ? Double.parseDouble(f[8]) : Double.NaN;
        return new EpochMetrics(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                validationLoss, validationAccuracy);
    }
}
