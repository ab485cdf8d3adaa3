package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One epoch cut into mini-batches: consecutive runs of {@code batchSize} indices of an order (from
 * {@link EpochOrder}), each batch an {@code int[]} of example indices.
 *
 * <p>Every index of the epoch appears in exactly one batch. There are {@link #batchesPerEpoch}
 * {@code (n, batchSize) = ceil(n / batchSize)} batches: all of {@code batchSize} indices except the last,
 * which holds the remaining {@code n - (batches - 1) * batchSize} (between 1 and {@code batchSize}): the
 * last partial batch is included, not dropped. {@link #batch(int)} gives any batch directly, so a run
 * resumed in the middle of an epoch continues at the right batch.
 *
 * <p>Immutable; {@link #batch(int)} and the iterator return new arrays.
 */
public final class MiniBatches implements Iterable<int[]>, EpochBatches {
    /** Default number of examples per batch. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final int[] order;
    private final int batchSize;

    private MiniBatches(int[] order, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.order = order;
        this.batchSize = batchSize;
    }

    /** Training batches of epoch {@code epoch} (from 0) of {@code n} examples, shuffled by {@link EpochOrder#shuffled}. */
    public static MiniBatches shuffled(int n, int batchSize, long seed, int epoch) {
        return new MiniBatches(EpochOrder.shuffled(n, seed, epoch), batchSize);
    }

    /** Evaluation batches: {@code 0 .. n-1} in order, not shuffled. */
    public static MiniBatches sequential(int n, int batchSize) {
        return new MiniBatches(EpochOrder.sequential(n), batchSize);
    }

    /**
     * {@code ceil(n / batchSize)}: the number of batches of an epoch of {@code n} examples, the last
     * partial batch included.
     *
     * @throws IllegalArgumentException if {@code n} is negative or {@code batchSize} not positive
     */
    public static int batchesPerEpoch(int n, int batchSize) {
        if (n < 0 || batchSize <= 0) {
            throw new IllegalArgumentException("need n >= 0 examples and a positive batch size, got n = " + n
                    + ", batch size " + batchSize);
        }
        return (int) (((long) n + batchSize - 1) / batchSize);
    }

    /** Number of examples in the epoch. */
    public int size() {
        return order.length;
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public int batchCount() {
        return batchesPerEpoch(order.length, batchSize);
    }

    /** The example indices of batch {@code b} (0-based), in visiting order; a new array. */
    @Override
    public int[] batch(int b) {
        int count = batchCount();
        if (b < 0 || b >= count) {
            throw new IndexOutOfBoundsException("batch " + b + " outside [0, " + count + ") of an epoch of "
                    + order.length + " examples in batches of " + batchSize);
        }
        int from = b * batchSize;
        return Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
    }

    /** The whole epoch's order; a copy. */
    public int[] order() {
        return order.clone();
    }

    /** The batches in order, from batch 0. */
    @Override
    public Iterator<int[]> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batchCount();
            }

            @Override
            public int[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("all " + batchCount() + " batches visited");
                }
                return batch(next++);
            }
        };
    }
}
