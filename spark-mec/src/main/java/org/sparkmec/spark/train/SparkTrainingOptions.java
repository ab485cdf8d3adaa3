package org.sparkmec.spark.train;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.CheckpointPolicy;
import org.sparkmec.engine.train.RunSettings;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.engine.train.WithRunSettings;

/**
 * Settings of a Spark training run, from the typed {@code spark.mec.train.*} entries ({@link TrainConf}): the
 * {@link RunSettings} every trainer shares (read through {@link WithRunSettings}), plus the Spark-only ones.
 *
 * @param run             what the run is; its batch size is per worker (the global batch is
 *                        {@code workers x batchSize}) and its limit counts training rows
 * @param workers         data-parallel workers; 0 for the application's default parallelism
 * @param logEverySteps   the driver logs progress every this many steps
 * @param checkpointDir   the folder of {@code checkpoint.ckpt} as configured ({@link TrainConf#CHECKPOINT_DIR}):
 *                        a relative path is taken inside the output folder {@link DistributedTrainer#fit} gets
 * @param checkpointEvery write the checkpoint after every this many epochs and after the last; 0: after the
 *                        last only ({@link TrainConf#CHECKPOINT_EVERY})
 */
public record SparkTrainingOptions(RunSettings run, int workers, int logEverySteps, String checkpointDir,
                                   int checkpointEvery) implements WithRunSettings, Serializable {

    public SparkTrainingOptions {
        Objects.requireNonNull(run, "run");
        if (workers < 0 || logEverySteps < 1 || checkpointEvery < 0) {
            throw new IllegalArgumentException("invalid training options: workers " + workers + " (>= 0), log every "
                    + logEverySteps + " (>= 1), checkpoint every " + checkpointEvery + " (>= 0)");
        }
        Objects.requireNonNull(checkpointDir, "checkpointDir");
    }

    /** Options with the settings given one by one. */
    public SparkTrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer,
                                ScheduleSpec schedule, long workspaceBudgetBytes, int workers, int logEverySteps,
                                ConvAlgorithmChoice algorithmOverride, String checkpointDir, int checkpointEvery,
                                boolean resume) {
        this(new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, algorithmOverride,
                resume), workers, logEverySteps, checkpointDir, checkpointEvery);
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
        return new SparkTrainingOptions(conf.runSettings(algorithmOverride, false), conf.get(TrainConf.WORKERS),
                conf.get(TrainConf.LOG_EVERY_STEPS), conf.get(TrainConf.CHECKPOINT_DIR), conf.get(TrainConf.CHECKPOINT_EVERY));
    }

    /** Where checkpoints go for a run writing to {@code outDir}, and how often. */
    public CheckpointPolicy checkpoints(Path outDir) {
        return CheckpointPolicy.of(outDir, checkpointDir, checkpointEvery);
    }

    public SparkTrainingOptions withWorkers(int count) {
        return new SparkTrainingOptions(run, count, logEverySteps, checkpointDir, checkpointEvery);
    }

    public SparkTrainingOptions withEpochs(int count) {
        return new SparkTrainingOptions(run.withEpochs(count), workers, logEverySteps, checkpointDir, checkpointEvery);
    }

    /** These options continuing from the checkpoint ({@code true}) or starting afresh. */
    public SparkTrainingOptions withResume(boolean value) {
        return new SparkTrainingOptions(run.withResume(value), workers, logEverySteps, checkpointDir, checkpointEvery);
    }

    /** These options for data whose class indices have these names ({@link RunSettings#classNames}). */
    public SparkTrainingOptions withClassNames(List<String> names) {
        return new SparkTrainingOptions(run.withClassNames(names), workers, logEverySteps, checkpointDir,
                checkpointEvery);
    }

    /** These options with checkpoints in {@code dir} (relative: inside the output folder) every {@code every} epochs. */
    public SparkTrainingOptions withCheckpoints(String dir, int every) {
        return new SparkTrainingOptions(run, workers, logEverySteps, dir, every);
    }
}
