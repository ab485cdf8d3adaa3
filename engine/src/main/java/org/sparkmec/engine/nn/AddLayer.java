package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Element-wise sum of two or more inputs of the same layout and dims (a residual connection's addition). The
 * backward pass hands the output gradient to every input unchanged (the same tensor, read-only).
 */
public final class AddLayer extends MergeLayer {
    private int[] dims;

    public AddLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public String type() {
        return "add";
    }

    @Override
    public int[] outputDims(List<int[]> inputDims) {
        requireTwoOrMoreInputs(inputDims.size());
        int[] first = inputDims.get(0);
        for (int i = 1; i < inputDims.size(); i++) {
            if (!Arrays.equals(first, inputDims.get(i))) {
                throw new IllegalArgumentException("layer " + name() + " (add): inputs must have equal dims, got "
                        + Arrays.toString(first) + " (input 1) and " + Arrays.toString(inputDims.get(i)) + " (input "
                        + (i + 1) + ")");
            }
        }
        return first.clone();
    }

    @Override
    public Tensor forward(List<Tensor> inputs, Mode mode) {
        outputDims(inputs.stream().map(Tensor::dims).toList());
        Tensor first = inputs.get(0);
        for (Tensor t : inputs) {
            if (t.layout() != first.layout()) {
                throw new IllegalArgumentException("layer " + name() + " (add): inputs must have one layout, got "
                        + first + " and " + t);
            }
        }
        Tensor out = output.get(first.layout(), first.dims());
        backend.nnKernels().add(first.storage(), inputs.get(1).storage(), out.storage(), first.numElements());
        for (int i = 2; i < inputs.size(); i++) {
            backend.nnKernels().add(out.storage(), inputs.get(i).storage(), out.storage(), first.numElements());
        }
        dims = first.dims();
        return out;
    }

    @Override
    public Tensor[] backward(Tensor gradOutput, boolean[] needInputGradients) {
        if (dims == null) {
            throw backwardBeforeForward(name());
        }
        Tensor[] grads = new Tensor[needInputGradients.length];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = needInputGradients[i] ? gradOutput : null;
        }
        return grads;
    }
}
