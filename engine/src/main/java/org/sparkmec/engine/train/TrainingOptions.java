package org.sparkmec.engine.train;

import java.nio.file.Path;
import java.util.Objects;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * Settings of a single-node training run.
 *
 * @param epochs               epochs to train in total (a resumed run continues up to this number)
 * @param batchSize            images per mini-batch (the last batch of an epoch may be smaller)
 * @param seed                 weights, data order and dropout masks derive from it
 * @param limit                use only the first {@code limit} training images; 0 for all
 * @param optimizer            SGD or Adam with its settings
 * @param schedule             learning rate and its schedule
 * @param workspaceBudgetBytes the most workspace a conv layer with algorithm {@code auto} lets im2col use
 * @param outDir               where metrics, memory statistics and the model go
 * @param resume               continue from the checkpoint of {@code checkpoints} ({@link ResumePoint})
 * @param progress             draw a progress bar on standard error
 * @param algorithmOverride    if not null, every conv layer uses it instead of its declared algorithm
 * @param shards               replay the data order of this many data-parallel workers
 *                             ({@link org.sparkmec.engine.data.ShardedEpochOrder}, each worker taking
 *                             {@code batchSize / shards} images per step), so that a run equals a Spark run
 *                             with that many workers; 1 for the plain shuffled order
 * @param checkpoints          where {@code checkpoint.ckpt} goes and after which epochs
 */
public record TrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer,
                              ScheduleSpec schedule, long workspaceBudgetBytes, Path outDir, boolean resume,
                              boolean progress, ConvAlgorithmChoice algorithmOverride, int shards,
                              CheckpointPolicy checkpoints) {

    public TrainingOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 (all) or positive, got " + limit);
        }
        if (workspaceBudgetBytes < 0) {
            throw new IllegalArgumentException("workspace budget must be 0 or more bytes, got " + workspaceBudgetBytes);
        }
        if (shards < 1 || batchSize % shards != 0) {
            throw new IllegalArgumentException("shards must be at least 1 and divide the batch size " + batchSize
                    + ", got " + shards);
        }
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(checkpoints, "checkpoints");
    }

    /** Options with checkpoints in {@code outDir} after every epoch ({@link CheckpointPolicy#defaults}). */
    public TrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                           long workspaceBudgetBytes, Path outDir, boolean resume, boolean progress,
                           ConvAlgorithmChoice algorithmOverride, int shards) {
        this(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, outDir, resume, progress,
                algorithmOverride, shards, outDir == null ? null : CheckpointPolicy.defaults(outDir));
    }

    /** Options with the plain shuffled data order (one shard) and the default checkpoints. */
    public TrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                           long workspaceBudgetBytes, Path outDir, boolean resume, boolean progress,
                           ConvAlgorithmChoice algorithmOverride) {
        this(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, outDir, resume, progress,
                algorithmOverride, 1);
    }

    /** These options with the data order of {@code count} workers. */
    public TrainingOptions withShards(int count) {
        return new TrainingOptions(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, outDir,
                resume, progress, algorithmOverride, count, checkpoints);
    }
}
