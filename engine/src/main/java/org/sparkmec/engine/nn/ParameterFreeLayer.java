package org.sparkmec.engine.nn;

import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Tensor;

/** Base of layers without parameters: output and input-gradient buffers, name, memory. */
abstract class ParameterFreeLayer implements Layer {
    final Backend backend;
    private final String name;
    final LayerBuffers output;
    final LayerBuffers gradInput;

    ParameterFreeLayer(Backend backend, String name) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.name = Objects.requireNonNull(name, "name");
        this.output = new LayerBuffers(backend);
        this.gradInput = new LayerBuffers(backend);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public LayerMemory memory() {
        return new LayerMemory(0, 0, output.bytes() + gradInput.bytes(), 0, 0);
    }

    @Override
    public void close() {
        output.close();
        gradInput.close();
    }

    /**
     * The input-gradient buffer shaped like the forward input, or null when the gradient is not needed.
     *
     * @throws IllegalStateException if no forward pass ran yet
     */
    final Tensor inputGradient(Tensor input, boolean needInputGradient) {
        if (input == null) {
            throw backwardBeforeForward(name());
        }
        return needInputGradient ? gradInput.get(input.layout(), input.dims()) : null;
    }

    static IllegalStateException backwardBeforeForward(String name) {
        return new IllegalStateException("layer " + name + ": backward before forward");
    }
}
