package org.sparkmec.engine.train;

/**
 * A training run stopped because it diverged: a step's mean loss is not finite or is above the bound
 * ({@link TrainConf#MAX_LOSS}), or the weights became non-finite. The message is one line naming the epoch, the
 * step and the learning rate.
 */
public class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
