package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.train.LayerMemoryRow;

/**
 * What a training worker returns to the driver as its task result (Kryo-serialized by Spark): where it
 * ran, on which backend and GPU, how much it did and its engine's per-layer memory, measured by the
 * engine's tracker.
 *
 * @param engineId    the engine's number within its executor JVM
 * @param engineUses  tasks that had used that engine, this one included (above 1: the engine was reused)
 * @param backend     the backend the engine runs on: {@link BackendKind#CPU} or {@link BackendKind#CUDA}, never
 *                    {@code AUTO} (auto resolves to one of them when the engine is created)
 * @param gpuAddress  the GPU address (ordinal, decimal) Spark's resource scheduling assigned to the task
 *                    ({@link TaskGpu}), or the empty string without Spark GPU resources; with {@code backend}
 *                    CUDA the engine runs on that GPU, with CPU it stays idle
 * @param steps       steps this attempt of the worker took part in
 * @param images      training images it processed
 * @param computeNanos its forward + backward time
 * @param layers      one row per layer
 */
public record WorkerReport(int worker, String executorId, String host, int engineId, int engineUses,
                           BackendKind backend, String gpuAddress, long steps, long images, long computeNanos,
                           List<LayerMemoryRow> layers) implements Serializable {

    public WorkerReport {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(gpuAddress, "gpuAddress (empty when no GPU was assigned)");
        layers = List.copyOf(layers);
    }

    /** One line for the driver's log: worker, executor, host, engine, backend and GPU address ({@code -} if none). */
    public String describe() {
        return "worker " + worker + ": executor " + executorId + " on " + host + ", MEC engine " + engineId
                + " (used by " + engineUses + " task(s)), backend " + backend + ", GPU address "
                + (gpuAddress.isEmpty() ? "-" : gpuAddress + " assigned by Spark") + ", " + steps + " steps, "
                + images + " images";
    }
}
