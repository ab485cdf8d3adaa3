package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.List;
import org.sparkmec.engine.train.LayerMemoryRow;

/**
 * What a training worker returns to the driver as its task result (Kryo-serialized by Spark): where it
 * ran, how much it did and its engine's per-layer memory, measured by the engine's tracker.
 *
 * @param engineId    the engine's number within its executor JVM
 * @param engineUses  tasks that had used that engine, this one included (above 1: the engine was reused)
 * @param steps       steps this attempt of the worker took part in
 * @param images      training images it processed
 * @param computeNanos its forward + backward time
 * @param layers      one row per layer
 */
public record WorkerReport(int worker, String executorId, String host, int engineId, int engineUses, long steps,
                           long images, long computeNanos, List<LayerMemoryRow> layers) implements Serializable {

    public WorkerReport {
        layers = List.copyOf(layers);
    }
}
