package org.sparkmec.engine.data;

import java.util.Arrays;

/**
 * The data order of synchronous data-parallel training over {@code workers} shards, shared by the Spark
 * trainer (each worker visits its shard) and the in-process trainer (which replays the same global
 * batches, so both compute the same updates).
 *
 * <p>Sharding: example {@code i} (its position in the training set) belongs to worker {@code i % workers}
 * at local position {@code i / workers}; shard sizes differ by at most one. Epoch {@code e}: worker
 * {@code w} visits its shard in the order {@link EpochOrder#shuffled}{@code (size_w, shardSeed(seed, w), e)},
 * cut into local batches of {@code batchSize}. Every worker takes the same number of steps per epoch,
 * {@link #stepsPerEpoch()} {@code = ceil(size_0 / batchSize)} (shard 0 is the largest); a worker whose
 * shard is exhausted contributes fewer images (possibly none) to the last step, so every example is
 * visited exactly once per epoch and nothing is dropped. Global step {@code b} is the union of the
 * workers' local batches {@code b}, worker 0's first: at most {@code workers * batchSize} images, fewer
 * only in an epoch's last step.
 *
 * <p>With one worker this is exactly {@link MiniBatches#shuffled}{@code (n, batchSize, seed, e)}.
 * Immutable and thread-safe.
 */
public final class ShardedEpochOrder {
    /** Seed stride between shards (an odd constant, so shards never share a shuffle seed). */
    private static final long SHARD_SEED_STRIDE = 0x632BE59BD9B4E019L;

    private final int examples;
    private final int workers;
    private final int batchSize;
    private final long seed;

    /**
     * @param examples  training examples in total, at least {@code workers}
     * @param workers   data-parallel workers, at least 1
     * @param batchSize images per worker per step, at least 1
     * @throws IllegalArgumentException naming the offending value
     */
    public ShardedEpochOrder(int examples, int workers, int batchSize, long seed) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (examples < workers) {
            throw new IllegalArgumentException(examples + " training examples cannot feed " + workers
                    + " workers: each worker needs at least one example");
        }
        this.examples = examples;
        this.workers = workers;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    public int workers() {
        return workers;
    }

    public int batchSize() {
        return batchSize;
    }

    public int examples() {
        return examples;
    }

    /** Examples held by worker {@code w}: {@code ceil((n - w) / workers)}. */
    public int shardSize(int w) {
        checkWorker(w);
        return (examples - w + workers - 1) / workers;
    }

    /** The global index of worker {@code w}'s local example {@code local}. */
    public int globalIndex(int w, int local) {
        return local * workers + w;
    }

    /**
     * What a batch size larger than the shards means, for a warning: every step then takes whole shards (one step
     * per epoch); null when the batch fits.
     */
    public String oversizedBatch() {
        if (batchSize <= shardSize(0)) {
            return null;
        }
        return workers == 1
                ? "batch size " + batchSize + " is larger than the " + examples + " training images: every step uses all "
                        + examples
                : "batch size " + batchSize + " per worker is larger than a worker's shard (at most " + shardSize(0)
                        + " of the " + examples + " training images over " + workers + " workers): every step uses "
                        + "all " + examples;
    }

    /** Steps of every worker in one epoch. */
    public int stepsPerEpoch() {
        return MiniBatches.batchesPerEpoch(shardSize(0), batchSize);
    }

    /** The seed of worker {@code w}'s shuffles; worker 0 uses {@code seed} itself. */
    public long shardSeed(int w) {
        return seed + w * SHARD_SEED_STRIDE;
    }

    /**
     * Worker {@code w}'s batches of epoch {@code epoch}, as <em>local</em> indices into its shard.
     * {@link MiniBatches#batchCount()} may be below {@link #stepsPerEpoch()} for a smaller shard; the
     * missing steps contribute nothing ({@link #localBatch}).
     */
    public MiniBatches localBatches(int w, int epoch) {
        return MiniBatches.shuffled(shardSize(w), batchSize, shardSeed(w), epoch);
    }

    /** Worker {@code w}'s local indices at step {@code step} of an epoch's batches (empty past its shard's end). */
    public static int[] localBatch(MiniBatches batches, int step) {
        return step < batches.batchCount() ? batches.batch(step) : new int[0];
    }

    /** The global batches of epoch {@code epoch}, one per step, as indices into the whole training set. */
    public EpochBatches globalBatches(int epoch) {
        MiniBatches[] local = new MiniBatches[workers];
        for (int w = 0; w < workers; w++) {
            local[w] = localBatches(w, epoch);
        }
        int steps = stepsPerEpoch();
        return new EpochBatches() {
            @Override
            public int batchCount() {
                return steps;
            }

            @Override
            public int[] batch(int step) {
                if (step < 0 || step >= steps) {
                    throw new IndexOutOfBoundsException("step " + step + " outside [0, " + steps + ")");
                }
                int[] all = new int[0];
                for (int w = 0; w < workers; w++) {
                    int[] part = localBatch(local[w], step);
                    int from = all.length;
                    all = Arrays.copyOf(all, from + part.length);
                    for (int i = 0; i < part.length; i++) {
                        all[from + i] = globalIndex(w, part[i]);
                    }
                }
                return all;
            }
        };
    }

    private void checkWorker(int w) {
        if (w < 0 || w >= workers) {
            throw new IllegalArgumentException("worker " + w + " outside [0, " + workers + ")");
        }
    }
}
