package org.sparkmec.engine.nn;

import java.util.List;
import org.sparkmec.engine.tensor.StorageAllocator;

/**
 * Base of the layers with a weight and an optional bias: their parameters, output and input-gradient
 * buffers, memory report and close.
 */
abstract class WeightedLayer implements Layer {
    final Parameter weight;
    final Parameter bias;
    final LayerBuffers output;
    final LayerBuffers gradInput;

    WeightedLayer(StorageAllocator allocator, Parameter weight, Parameter bias) {
        this.weight = weight;
        this.bias = bias;
        this.output = new LayerBuffers(allocator);
        this.gradInput = new LayerBuffers(allocator);
    }

    @Override
    public final List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    /** Bytes of the weight and bias (and, equally, of their gradients). */
    final long parameterBytes() {
        return weight.value().byteSize() + (bias == null ? 0 : bias.value().byteSize());
    }

    @Override
    public LayerMemory memory() {
        return new LayerMemory(parameterBytes(), parameterBytes(), output.bytes() + gradInput.bytes(), 0, 0);
    }

    @Override
    public void close() {
        output.close();
        gradInput.close();
        for (Parameter p : parameters()) {
            p.value().close();
            p.gradient().close();
        }
    }
}
