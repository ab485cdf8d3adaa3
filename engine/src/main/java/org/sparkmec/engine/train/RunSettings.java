package org.sparkmec.engine.train;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.data.Augmentation;
import org.sparkmec.engine.data.ValidationSplit;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * What a training run is, the same in process ({@link TrainingOptions}) and on Spark: the settings both
 * trainers share, defined once. Serializable (a value), so that Spark tasks can carry it.
 *
 * @param epochs               epochs to train in total (a resumed run continues up to this number)
 * @param batchSize            images per mini-batch (on Spark: per worker); the last batch of an epoch may be smaller
 * @param seed                 weights, data order and dropout masks derive from it
 * @param limit                use only the first {@code limit} training images; 0 for all
 * @param optimizer            SGD or Adam with its settings
 * @param schedule             learning rate and its schedule
 * @param workspaceBudgetBytes the most workspace a conv layer with algorithm {@code auto} lets im2col use
 * @param algorithmOverride    if not null, every conv layer uses it instead of its declared algorithm
 * @param resume               continue from the checkpoint ({@link ResumePoint})
 * @param augmentation         what is done to every training image of a step ({@link Augmentation#NONE}: nothing)
 * @param validationFraction   the fraction of the (limited) training images held out for validation
 *                             ({@link ValidationSplit}, seeded by {@code seed}); 0 for none
 * @param classNames           the name of every class index of the data, written into the checkpoints and
 *                             {@code classes.csv}, and checked on resume ({@link ResumePoint}); empty when the data
 *                             names no classes
 */
public record RunSettings(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                          long workspaceBudgetBytes, ConvAlgorithmChoice algorithmOverride, boolean resume,
                          Augmentation augmentation, double validationFraction, List<String> classNames)
        implements Serializable {

    /** @throws IllegalArgumentException naming the setting, its value and the rule */
    public RunSettings {
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
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(augmentation, "augmentation");
        if (!(validationFraction >= 0) || validationFraction > ValidationSplit.MAX_FRACTION) {
            throw new IllegalArgumentException("validation fraction must be 0 (none) or in (0, "
                    + ValidationSplit.MAX_FRACTION + "], got " + validationFraction);
        }
        classNames = List.copyOf(classNames);
    }

    /** Settings without augmentation, validation split or class names. */
    public RunSettings(int epochs, int batchSize, long seed, int limit, OptimizerSpec optimizer, ScheduleSpec schedule,
                       long workspaceBudgetBytes, ConvAlgorithmChoice algorithmOverride, boolean resume) {
        this(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes, algorithmOverride, resume,
                Augmentation.NONE, 0, List.of());
    }

    public RunSettings withEpochs(int count) {
        return new RunSettings(count, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes,
                algorithmOverride, resume, augmentation, validationFraction, classNames);
    }

    public RunSettings withResume(boolean value) {
        return new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes,
                algorithmOverride, value, augmentation, validationFraction, classNames);
    }

    /** These settings with {@code value} applied to the training images. */
    public RunSettings withAugmentation(Augmentation value) {
        return new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes,
                algorithmOverride, resume, value, validationFraction, classNames);
    }

    /** These settings holding out {@code fraction} of the training images for validation (0: none). */
    public RunSettings withValidationFraction(double fraction) {
        return new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes,
                algorithmOverride, resume, augmentation, fraction, classNames);
    }

    /** These settings for data whose class indices have these names (empty: the data names none). */
    public RunSettings withClassNames(List<String> names) {
        return new RunSettings(epochs, batchSize, seed, limit, optimizer, schedule, workspaceBudgetBytes,
                algorithmOverride, resume, augmentation, validationFraction, names);
    }
}
