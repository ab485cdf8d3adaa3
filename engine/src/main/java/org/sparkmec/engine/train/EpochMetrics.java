package org.sparkmec.engine.train;

import java.util.Locale;

/**
 * One line of {@code metrics.csv}: the epoch's mean training loss and accuracy (over its mini-batches,
 * weighted by batch size), the test set's after the epoch, and the training throughput.
 *
 * @param step           optimizer steps taken by the end of the epoch
 * @param imagesPerSecond training images per second of the epoch (forward, backward and update)
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double imagesPerSecond) implements java.io.Serializable {

    public static final String CSV_HEADER = "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,images_per_s";

    public String toCsv() {
        return String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.6f,%.1f", epoch, step, trainLoss, trainAccuracy,
                testLoss, testAccuracy, imagesPerSecond);
    }
}
