package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A training set and, when there is one, a test set of the same image shape and number of classes.
 *
 * @param test the test set, or null for data without one ({@link #trainOnly})
 */
public record TrainTestSplit(LabeledImages train, LabeledImages test) {

    /** @throws IllegalArgumentException if the image shapes or class counts differ */
    public TrainTestSplit {
        Objects.requireNonNull(train, "train");
        if (test != null && (!Arrays.equals(train.imageShape(), test.imageShape())
                || train.numClasses() != test.numClasses())) {
            throw new IllegalArgumentException("training and test sets differ: " + train + " vs " + test);
        }
    }

    /** A training set without a test set. */
    public static TrainTestSplit trainOnly(LabeledImages train) {
        return new TrainTestSplit(train, null);
    }

    /** Whether there is a test set. */
    public boolean hasTest() {
        return test != null;
    }
}
