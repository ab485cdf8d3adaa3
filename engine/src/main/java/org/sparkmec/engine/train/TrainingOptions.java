package org.sparkmec.engine.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * Settings of a single-node training run: the {@link RunSettings} every trainer shares, plus where the
 * run writes and in what order it reads the data; the shared settings are read through
 * {@link WithRunSettings}.
 *
 * @param run         what the run is (epochs, batch, seed, optimizer, schedule, ...)
 * @param outDir      where metrics, memory statistics and the model go
 * @param shards      replay the data order of this many data-parallel workers
 *                    ({@link org.sparkmec.engine.data.ShardedEpochOrder}, each worker taking
 *                    {@code batchSize / shards} images per step), so that a run equals a Spark run with
 *                    that many workers; 1 for the plain shuffled order
 * @param checkpoints where {@code checkpoint.ckpt} goes and after which epochs
 */
public record TrainingOptions(RunSettings run, Path outDir, int shards, CheckpointPolicy checkpoints)
        implements WithRunSettings {

    public TrainingOptions {
        Objects.requireNonNull(run, "run");
        if (shards < 1 || run.batchSize() % shards != 0) {
            throw new IllegalArgumentException("shards must be at least 1 and divide the batch size " + run.batchSize()
                    + ", got " + shards);
        }
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(checkpoints, "checkpoints");
    }

    /** Options with the settings given one by one and checkpoints in {@code outDir} after every epoch. */
    public TrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                           long workspaceBudgetBytes, Path outDir, boolean resume, ConvAlgorithmChoice algorithmOverride,
                           int shards) {
        this(new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, algorithmOverride,
                resume), outDir, shards, outDir == null ? null : CheckpointPolicy.defaults(outDir));
    }

    /** Options with the plain shuffled data order (one shard) and the default checkpoints. */
    public TrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                           long workspaceBudgetBytes, Path outDir, boolean resume, ConvAlgorithmChoice algorithmOverride) {
        this(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, outDir, resume, algorithmOverride, 1);
    }

    /** These options with the data order of {@code count} workers. */
    public TrainingOptions withShards(int count) {
        return new TrainingOptions(run, outDir, count, checkpoints);
    }

    /** These options for data whose class indices have these names ({@link RunSettings#classNames}). */
    public TrainingOptions withClassNames(List<String> names) {
        return new TrainingOptions(run.withClassNames(names), outDir, shards, checkpoints);
    }
}
