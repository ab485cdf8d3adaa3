package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.Objects;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.TrainConf;

/**
 * Settings of a Spark training run, from the typed {@code spark.mec.train.*} entries ({@link TrainConf}).
 *
 * @param batchSize         images per worker per step (the global batch is {@code workers x batchSize})
 * @param limit             use only the first {@code limit} training rows; 0 for all
 * @param workers           data-parallel workers; 0 for the application's default parallelism
 * @param algorithmOverride if not null, every conv layer uses it instead of its declared algorithm
 */
public record SparkTrainingOptions(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer,
                                   ScheduleSpec schedule, long workspaceBudgetBytes, int workers, int logEverySteps,
                                   ConvAlgorithmChoice algorithmOverride) implements Serializable {

    public SparkTrainingOptions {
        if (epochs < 1 || batchSize < 1 || limit < 0 || workers < 0 || logEverySteps < 1 || workspaceBudgetBytes < 0) {
            throw new IllegalArgumentException("invalid training options: epochs " + epochs + " (>= 1), batch size "
                    + batchSize + " (>= 1), limit " + limit + " (>= 0), workers " + workers + " (>= 0), log every "
                    + logEverySteps + " (>= 1), workspace budget " + workspaceBudgetBytes + " (>= 0)");
        }
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
    }

    /** The options the validated configuration gives. */
    public static SparkTrainingOptions from(TrainConf conf, ConvAlgorithmChoice algorithmOverride) {
        return new SparkTrainingOptions(conf.get(TrainConf.EPOCHS), conf.get(TrainConf.BATCH_SIZE),
                conf.get(TrainConf.SEED), conf.get(TrainConf.LIMIT), conf.optimizerSpec(), conf.scheduleSpec(),
                conf.get(TrainConf.WORKSPACE_BUDGET), conf.get(TrainConf.WORKERS), conf.get(TrainConf.LOG_EVERY_STEPS),
                algorithmOverride);
    }

    public SparkTrainingOptions withWorkers(int count) {
        return new SparkTrainingOptions(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, count,
                logEverySteps, algorithmOverride);
    }

    public SparkTrainingOptions withEpochs(int count) {
        return new SparkTrainingOptions(count, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, workers,
                logEverySteps, algorithmOverride);
    }
}
