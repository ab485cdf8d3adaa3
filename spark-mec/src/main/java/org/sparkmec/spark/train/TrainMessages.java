package org.sparkmec.spark.train;

import java.io.Serializable;

/**
 * The messages between the training workers (executor side) and the {@link TrainingCoordinator} (driver
 * side): {@link Gradients} and the sliced aggregation's messages through {@code DriverAsk} (their replies wait
 * for the other workers), the others through the plugin's RPC ({@code PluginContext.ask},
 * {@code DriverPlugin.receive}). Spark's RPC Java-serializes them between JVMs and passes them by reference
 * within one. Every request names its run and the barrier stage attempt it belongs to; the coordinator rejects
 * requests of an attempt it has seen replaced (a zombie task).
 *
 * <p>Weights and gradients travel as one flat {@link FloatVector} in {@code ParameterVector} order (raw
 * little-endian floats between JVMs).
 */
public final class TrainMessages {
    private TrainMessages() {
    }

    /** A message to the coordinator of run {@code runId}. */
    public interface Request extends Serializable {
        String runId();

        int attempt();

        int worker();
    }

    /** A request of a training step, whose reply waits for the other workers (sent through {@code DriverAsk}). */
    public interface StepRequest extends Request {
        long step();
    }

    /** A worker starts (or restarts after a failure): where to begin. */
    public record Join(String runId, int attempt, int worker, String executorId, String host) implements Request {
    }

    /**
     * Where a (re)started worker begins.
     *
     * @param step        optimizer steps already applied (the worker continues with this step)
     * @param weights     the weights after {@code step} steps
     * @param evalEpoch   an epoch (counted from 0) whose test evaluation is still missing and must be done
     *                    first, or -1
     */
    public record Joined(long step, FloatVector weights, int evalEpoch) implements Serializable {
    }

    /**
     * A worker's part of step {@code step}.
     *
     * @param gradientSum the gradient summed over the worker's {@code images} (mean gradient x images); null
     *                    when {@code images} is 0 (its shard is exhausted in this epoch)
     * @param lossSum     loss summed over the images
     * @param computeNanos forward + backward time of this part on the worker
     * @param commNanos    the worker's time in the RPCs of its previous step (0 for its first)
     */
    public record Gradients(String runId, int attempt, int worker, long step, FloatVector gradientSum, int images,
                            double lossSum, int correct, long computeNanos, long commNanos) implements StepRequest {
    }

    /**
     * Reply to {@link Gradients}, sent to every worker once the step is committed.
     *
     * @param weights     the weights after the step (one instance for all the step's replies)
     * @param driverNanos the driver's time on the commit (the last part, averaging and update)
     */
    public record GradientsAck(FloatVector weights, long driverNanos) implements Serializable {
    }

    /**
     * Sliced aggregation, first exchange of step {@code step}: the worker has stored its gradient slices as blocks
     * (none when {@code images} is 0) and reports its counts and its block manager's address. Answered with
     * {@link SlicePeers} once every worker's report is in.
     */
    public record SliceCounts(String runId, int attempt, int worker, long step, int images, double lossSum, int correct,
                              long computeNanos, long commNanos, String executorId, String host, int port)
            implements StepRequest {
    }

    /** Every worker's block manager address and image count in the step, by worker. */
    public record SlicePeers(String[] executorIds, String[] hosts, int[] ports, int[] images) implements Serializable {
    }

    /**
     * Sliced aggregation, second exchange: slice {@code worker} of the step's gradient summed over the workers in
     * worker order. Answered with {@link WeightsSlice} once every slice is in and the step is committed.
     */
    public record ReducedSlice(String runId, int attempt, int worker, long step, FloatVector slice) implements StepRequest {
    }

    /** The weights of the owner's slice after the step, and the driver's time on the commit. */
    public record WeightsSlice(FloatVector slice, long driverNanos) implements Serializable {
    }

    /**
     * Sliced aggregation, last exchange: the worker stored its slice of the weights after {@code step} steps.
     * Answered with {@link Ok} once every worker's slice is stored.
     */
    public record WeightsStored(String runId, int attempt, int worker, long step) implements StepRequest {
    }

    /**
     * A worker's test-set totals ({@code lossSum}, {@code correct}, {@code count}) and validation-split totals
     * after epoch {@code epoch} (from 0); a set the worker lacks has count 0.
     */
    public record EpochEval(String runId, int attempt, int worker, int epoch, double lossSum, long correct, long count,
                            double validationLossSum, long validationCorrect, long validationCount)
            implements Request {
    }

    /**
     * A worker failed in a way a retry would repeat: the coordinator stops the run at once.
     *
     * @param reason the failure on one line
     */
    public record WorkerFailed(String runId, int attempt, int worker, String executorId, String host, String reason)
            implements Request {
    }

    /** Acknowledges a message that needs no data back. */
    public record Ok() implements Serializable {
    }
}
