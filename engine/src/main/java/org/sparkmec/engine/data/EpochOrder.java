package org.sparkmec.engine.data;

import java.util.SplittableRandom;

/**
 * The order in which an epoch visits {@code n} examples: a permutation of {@code 0 .. n-1} that depends
 * only on (seed, epoch).
 *
 * <p>Determinism: epoch {@code e} shuffles with a {@link SplittableRandom} seeded by {@link #epochSeed}
 * {@code (seed, e)}, the {@code (e+1)}-th value that {@code new SplittableRandom(seed).nextLong()} would
 * return, computed directly; the permutation is a Fisher-Yates shuffle (Knuth, TAOCP vol. 2, Algorithm P)
 * of the identity. A run resumed at epoch {@code e} therefore gets the same order as an uninterrupted
 * run without replaying epochs {@code 0 .. e-1}, and two epochs of one seed are independent shuffles.
 * The order is also independent of the batch size.
 */
public final class EpochOrder {
    /** SplittableRandom's default increment (the odd integer closest to 2^64 / golden ratio). */
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private EpochOrder() {
    }

    /**
     * The shuffled order of epoch {@code epoch} (counted from 0) of {@code n} examples.
     *
     * @throws IllegalArgumentException if {@code n} or {@code epoch} is negative
     */
    public static int[] shuffled(int n, long seed, int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0 (epochs count from 0), got " + epoch);
        }
        int[] order = sequential(n);
        SplittableRandom random = new SplittableRandom(epochSeed(seed, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /**
     * {@code 0, 1, ..., n-1}: the order for evaluation, where no shuffling is wanted.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public static int[] sequential(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of examples must be >= 0, got " + n);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /**
     * The seed of epoch {@code epoch}'s shuffle: {@code mix64(seed + (epoch + 1) * GOLDEN_GAMMA)}, equal
     * to the {@code (epoch+1)}-th {@code nextLong()} of {@code new SplittableRandom(seed)}.
     */
    static long epochSeed(long seed, int epoch) {
        return mix64(seed + (epoch + 1L) * GOLDEN_GAMMA);
    }

    /** SplittableRandom's output function (Stafford's variant 13 of MurmurHash3's finalizer). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
