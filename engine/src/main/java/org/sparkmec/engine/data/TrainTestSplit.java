package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Objects;

/** A training set and a test set of the same image shape and number of classes. */
public record TrainTestSplit(LabeledImages train, LabeledImages test) {

    /** @throws IllegalArgumentException if the image shapes or class counts differ */
    public TrainTestSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!Arrays.equals(train.imageShape(), test.imageShape()) || train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException("training and test sets differ: " + train + " vs " + test);
        }
    }
}
