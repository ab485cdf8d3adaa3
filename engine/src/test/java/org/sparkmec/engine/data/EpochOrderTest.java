package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-epoch permutations: deterministic from (seed, epoch), independent across epochs, unbiased. */
class EpochOrderTest {
    private static final long SEED = 20261125L;

    private static void assertPermutation(int[] order, int n) {
        assertEquals(n, order.length);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        assertArrayEquals(EpochOrder.sequential(n), sorted, "not a permutation of 0.." + (n - 1));
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {0, 1, 2, 1001})
    void everyEpochIsAPermutation(int n) {
        for (int epoch = 0; epoch < 4; epoch++) {
            assertPermutation(EpochOrder.shuffled(n, SEED, epoch), n);
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameOrder() {
        assertArrayEquals(EpochOrder.shuffled(1001, SEED, 3), EpochOrder.shuffled(1001, SEED, 3));
    }

    @Test
    void epochsAndSeedsGiveDifferentOrders() {
        int[] epoch0 = EpochOrder.shuffled(1001, SEED, 0);
        int[] epoch1 = EpochOrder.shuffled(1001, SEED, 1);
        int[] otherSeed = EpochOrder.shuffled(1001, SEED + 1, 0);
        assertFalse(Arrays.equals(epoch0, epoch1), "epochs 0 and 1 have the same order");
        assertFalse(Arrays.equals(epoch0, otherSeed), "seeds " + SEED + " and " + (SEED + 1) + " give the same order");
        assertFalse(Arrays.equals(epoch0, EpochOrder.sequential(1001)), "epoch 0 is not shuffled");
    }

    @Test
    void aResumedRunGetsTheOrderOfAnUninterruptedOne() {
        // Uninterrupted: epochs 0..5 in sequence. Resumed: epoch 5 computed alone, nothing replayed.
        int[] last = null;
        for (int epoch = 0; epoch <= 5; epoch++) {
            last = EpochOrder.shuffled(500, SEED, epoch);
        }
        assertArrayEquals(last, EpochOrder.shuffled(500, SEED, 5));
    }

    @Test
    void epochSeedIsTheSplittableRandomStream() {
        SplittableRandom stream = new SplittableRandom(SEED);
        for (int epoch = 0; epoch < 6; epoch++) {
            assertEquals(stream.nextLong(), EpochOrder.epochSeed(SEED, epoch), "epoch " + epoch);
        }
    }

    @Test
    void everyPositionIsEquallyLikely() {
        // Over 10,000 epochs of 10 examples each value should start an epoch about 1,000 times
        // (binomial std 30); a biased shuffle (e.g. Sattolo's, which never leaves 0 in place) fails.
        int epochs = 10_000;
        int[] firstCounts = new int[10];
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = EpochOrder.shuffled(10, SEED, epoch);
            firstCounts[order[0]]++;
        }
        for (int v = 0; v < 10; v++) {
            assertTrue(Math.abs(firstCounts[v] - 1000) < 150, "value " + v + " first " + firstCounts[v] + " times of "
                    + epochs + ": " + Arrays.toString(firstCounts));
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        IllegalArgumentException epoch = assertThrows(IllegalArgumentException.class,
                () -> EpochOrder.shuffled(10, SEED, -1));
        assertEquals("epoch must be >= 0 (epochs count from 0), got -1", epoch.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> EpochOrder.sequential(-3));
        assertEquals("number of examples must be >= 0, got -3", n.getMessage());
    }
}
