package org.sparkmec.engine.data;

/** The mini-batches of one epoch, by step: example indices into the training set. */
public interface EpochBatches {

    /** Steps in the epoch. */
    int batchCount();

    /** The example indices of step {@code step} (0-based); a new array. */
    int[] batch(int step);
}
