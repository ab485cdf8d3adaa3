package org.sparkmec.spark.train;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.CheckpointPolicy;
import org.sparkmec.engine.train.TrainConf;

/**
 * Settings of a Spark training run, from the typed {@code spark.mec.train.*} entries ({@link TrainConf}).
 *
 * @param batchSize         images per worker per step (the global batch is {@code workers x batchSize})
 * @param limit             use only the first {@code limit} training rows; 0 for all
 * @param workers           data-parallel workers; 0 for the application's default parallelism
 * @param algorithmOverride if not null, every conv layer uses it instead of its declared algorithm
 * @param checkpointDir     the folder of {@code checkpoint.ckpt} as configured ({@link TrainConf#CHECKPOINT_DIR}):
 *                          a relative path is taken inside the output folder {@link DistributedTrainer#fit} gets
 * @param checkpointEvery   write the checkpoint after every this many epochs and after the last; 0: after the
 *                          last only ({@link TrainConf#CHECKPOINT_EVERY})
 * @param resume            continue from the checkpoint ({@link org.sparkmec.engine.train.ResumePoint})
 */
public record SparkTrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer,
                                   ScheduleSpec schedule, long workspaceBudgetBytes, int workers, int logEverySteps,
                                   ConvAlgorithmChoice algorithmOverride, String checkpointDir, int checkpointEvery,
                                   boolean resume) implements Serializable {

    public SparkTrainingOptions {
        if (epochs < 1 || batchSize < 1 || limit < 0 || workers < 0 || logEverySteps < 1 || workspaceBudgetBytes < 0
                || checkpointEvery < 0) {
            throw new IllegalArgumentException("invalid training options: epochs " + epochs + " (>= 1), batch size "
                    + batchSize + " (>= 1), limit " + limit + " (>= 0), workers " + workers + " (>= 0), log every "
                    + logEverySteps + " (>= 1), workspace budget " + workspaceBudgetBytes + " (>= 0), checkpoint every "
                    + checkpointEvery + " (>= 0)");
        }
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(checkpointDir, "checkpointDir");
    }

    /** Options with the default checkpoints (the output folder, every epoch) and no resume. */
    public SparkTrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer,
                                ScheduleSpec schedule, long workspaceBudgetBytes, int workers, int logEverySteps,
                                ConvAlgorithmChoice algorithmOverride) {
        this(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, workers, logEverySteps,
                algorithmOverride, TrainConf.CHECKPOINT_DIR.parse(null), TrainConf.CHECKPOINT_EVERY.parse(null), false);
    }

    /** The options the validated configuration gives (not resuming). */
    public static SparkTrainingOptions from(TrainConf conf, ConvAlgorithmChoice algorithmOverride) {
        return new SparkTrainingOptions(conf.get(TrainConf.EPOCHS), conf.get(TrainConf.BATCH_SIZE),
                conf.get(TrainConf.SEED), conf.get(TrainConf.LIMIT), conf.optimizerSpec(), conf.scheduleSpec(),
                conf.get(TrainConf.WORKSPACE_BUDGET), conf.get(TrainConf.WORKERS), conf.get(TrainConf.LOG_EVERY_STEPS),
                algorithmOverride, conf.get(TrainConf.CHECKPOINT_DIR), conf.get(TrainConf.CHECKPOINT_EVERY), false);
    }

    /** Where checkpoints go for a run writing to {@code outDir}, and how often. */
    public CheckpointPolicy checkpoints(Path outDir) {
        return CheckpointPolicy.of(outDir, checkpointDir, checkpointEvery);
    }

    public SparkTrainingOptions withWorkers(int count) {
        return new SparkTrainingOptions(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, count,
                logEverySteps, algorithmOverride, checkpointDir, checkpointEvery, resume);
    }

    public SparkTrainingOptions withEpochs(int count) {
        return new SparkTrainingOptions(count, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, workers,
                logEverySteps, algorithmOverride, checkpointDir, checkpointEvery, resume);
    }

    /** These options continuing from the checkpoint ({@code true}) or starting afresh. */
    public SparkTrainingOptions withResume(boolean value) {
        return new SparkTrainingOptions(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, workers,
                logEverySteps, algorithmOverride, checkpointDir, checkpointEvery, value);
    }

    /** These options with checkpoints in {@code dir} (relative: inside the output folder) every {@code every} epochs. */
    public SparkTrainingOptions withCheckpoints(String dir, int every) {
        return new SparkTrainingOptions(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, workers,
                logEverySteps, algorithmOverride, dir, every, resume);
    }
}
