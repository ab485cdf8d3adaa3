package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An epoch cut into batches: full coverage, the last partial batch, random access, evaluation order. */
class MiniBatchesTest {
    private static final long SEED = 7;

    private static List<int[]> collect(MiniBatches batches) {
        List<int[]> list = new ArrayList<>();
        batches.forEach(list::add);
        return list;
    }

    @ParameterizedTest(name = "n={0}, batch={1}")
    @CsvSource({"0, 32, 0", "1, 32, 1", "31, 32, 1", "32, 32, 1", "33, 32, 2", "60000, 32, 1875", "10000, 48, 209",
            "103, 10, 11", "5, 1, 5"})
    void batchesPerEpochIsTheCeiling(int n, int batchSize, int expected) {
        assertEquals(expected, MiniBatches.batchesPerEpoch(n, batchSize));
        assertEquals(expected, MiniBatches.shuffled(n, batchSize, SEED, 0).batchCount());
        assertEquals(expected, collect(MiniBatches.sequential(n, batchSize)).size());
    }

    @Test
    void batchesCoverEveryIndexOnceAndTheLastIsPartial() {
        MiniBatches batches = MiniBatches.shuffled(103, 10, SEED, 2);
        List<int[]> list = collect(batches);
        assertEquals(11, list.size());
        int[] seen = new int[103];
        int[] concatenated = new int[103];
        int position = 0;
        for (int b = 0; b < list.size(); b++) {
            int[] batch = list.get(b);
            assertEquals(b < 10 ? 10 : 3, batch.length, "size of batch " + b);
            assertArrayEquals(batches.batch(b), batch, "batch(" + b + ") and the iterator agree");
            for (int index : batch) {
                seen[index]++;
                concatenated[position++] = index;
            }
        }
        for (int i = 0; i < seen.length; i++) {
            assertEquals(1, seen[i], "index " + i + " visited " + seen[i] + " times");
        }
        assertArrayEquals(EpochOrder.shuffled(103, SEED, 2), concatenated, "batches follow the epoch order");
        assertArrayEquals(concatenated, batches.order());
    }

    @Test
    void theOrderDoesNotDependOnTheBatchSize() {
        assertArrayEquals(MiniBatches.shuffled(50, 7, SEED, 1).order(), MiniBatches.shuffled(50, 16, SEED, 1).order());
    }

    @Test
    void evaluationBatchesAreInOrder() {
        List<int[]> list = collect(MiniBatches.sequential(7, 3));
        assertEquals(3, list.size());
        assertArrayEquals(new int[] {0, 1, 2}, list.get(0));
        assertArrayEquals(new int[] {3, 4, 5}, list.get(1));
        assertArrayEquals(new int[] {6}, list.get(2));
    }

    @Test
    void aBatchLargerThanTheEpochIsOneBatch() {
        MiniBatches batches = MiniBatches.shuffled(5, MiniBatches.DEFAULT_BATCH_SIZE, SEED, 0);
        assertEquals(32, batches.batchSize());
        assertEquals(5, batches.size());
        assertEquals(1, batches.batchCount());
        assertEquals(5, batches.batch(0).length);
    }

    @Test
    void outOfRangeAndInvalidArgumentsAreRejected() {
        MiniBatches batches = MiniBatches.sequential(7, 3);
        IndexOutOfBoundsException b = assertThrows(IndexOutOfBoundsException.class, () -> batches.batch(3));
        assertEquals("batch 3 outside [0, 3) of an epoch of 7 examples in batches of 3", b.getMessage());
        Iterator<int[]> it = batches.iterator();
        it.next();
        it.next();
        it.next();
        assertThrows(NoSuchElementException.class, it::next);
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> MiniBatches.sequential(7, 0));
        assertEquals("batch size must be positive, got 0", size.getMessage());
        IllegalArgumentException perEpoch = assertThrows(IllegalArgumentException.class,
                () -> MiniBatches.batchesPerEpoch(-1, 32));
        assertEquals("need n >= 0 examples and a positive batch size, got n = -1, batch size 32", perEpoch.getMessage());
    }
}
