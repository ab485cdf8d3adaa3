package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardedEpochOrderTest {

    @Test
    void oneWorkerIsThePlainShuffledOrder() {
        ShardedEpochOrder order = new ShardedEpochOrder(103, 1, 10, 7);
        MiniBatches plain = MiniBatches.shuffled(103, 10, 7, 2);
        EpochBatches global = order.globalBatches(2);
        assertEquals(plain.batchCount(), global.batchCount());
        for (int b = 0; b < plain.batchCount(); b++) {
            assertArrayEquals(plain.batch(b), global.batch(b));
        }
    }

    @Test
    void unevenShardsVisitEveryExampleOncePerEpoch() {
        ShardedEpochOrder order = new ShardedEpochOrder(101, 3, 8, 1);
        assertEquals(34, order.shardSize(0));
        assertEquals(34, order.shardSize(1));
        assertEquals(33, order.shardSize(2));
        assertEquals(5, order.stepsPerEpoch(), "ceil(34 / 8)");
        for (int epoch = 0; epoch < 3; epoch++) {
            boolean[] seen = new boolean[101];
            EpochBatches global = order.globalBatches(epoch);
            for (int b = 0; b < global.batchCount(); b++) {
                int[] batch = global.batch(b);
                assertTrue(batch.length <= 24 && batch.length > 0, "step " + b + " has " + batch.length);
                for (int i : batch) {
                    assertTrue(!seen[i], "example " + i + " twice in epoch " + epoch);
                    seen[i] = true;
                }
            }
            for (int i = 0; i < seen.length; i++) {
                assertTrue(seen[i], "example " + i + " missed in epoch " + epoch);
            }
        }
        assertEquals(0, ShardedEpochOrder.localBatch(order.localBatches(2, 0), 9).length, "past the shard's end: empty");
    }

    @Test
    void globalBatchesAreTheWorkersLocalBatchesInWorkerOrder() {
        ShardedEpochOrder order = new ShardedEpochOrder(40, 2, 4, 3);
        int[] step1 = order.globalBatches(1).batch(1);
        int[] w0 = order.localBatches(0, 1).batch(1);
        int[] w1 = order.localBatches(1, 1).batch(1);
        for (int i = 0; i < 4; i++) {
            assertEquals(order.globalIndex(0, w0[i]), step1[i]);
            assertEquals(order.globalIndex(1, w1[i]), step1[4 + i]);
        }
    }

    @Test
    void rejectsImpossibleSettings() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShardedEpochOrder(1, 2, 4, 0))
                .getMessage().contains("1 training examples cannot feed 2 workers"));
        assertThrows(IllegalArgumentException.class, () -> new ShardedEpochOrder(10, 0, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> new ShardedEpochOrder(10, 2, 0, 0));
    }

    /** A batch larger than the shards is used as whole shards, and says so (the trainers log it as a warning). */
    @Test
    void anOversizedBatchIsNamed() {
        assertNull(new ShardedEpochOrder(100, 2, 50, 1).oversizedBatch());
        assertEquals("batch size 100000 is larger than the 60000 training images: every step uses all 60000",
                new ShardedEpochOrder(60000, 1, 100000, 1).oversizedBatch());
        assertEquals("batch size 64 per worker is larger than a worker's shard (at most 51 of the 101 training images "
                + "over 2 workers): every step uses all 101", new ShardedEpochOrder(101, 2, 64, 1).oversizedBatch());
        assertEquals(1, new ShardedEpochOrder(101, 2, 64, 1).stepsPerEpoch());
    }
}
