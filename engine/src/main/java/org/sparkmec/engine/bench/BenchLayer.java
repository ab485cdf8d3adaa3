package org.sparkmec.engine.bench;

import java.io.Serializable;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * A named convolution layer of a layer set, independent of the batch size. Serializable: Spark ships it
 * to executors inside a task's closure.
 *
 * @param name     the layer's name, e.g. {@code cv1}
 * @param geometry the layer at batch 1
 */
public record BenchLayer(String name, ConvGeometry geometry) implements Serializable {

    /** The layer at batch {@code batch}. */
    public ConvGeometry atBatch(int batch) {
        return geometry.withBatch(batch);
    }
}
