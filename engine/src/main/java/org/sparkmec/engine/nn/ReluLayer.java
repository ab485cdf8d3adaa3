package org.sparkmec.engine.nn;

import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Tensor;

/** {@code max(0, x)} element-wise, any layout. */
public final class ReluLayer extends ParameterFreeLayer {
    private Tensor input;

    public ReluLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public String type() {
        return "relu";
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        return inputDims.clone();
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        Tensor out = output.get(in.layout(), in.dims());
        backend.nnKernels().reluForward(in.storage(), out.storage(), in.numElements());
        input = in;
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        Tensor dIn = inputGradient(input, needInputGradient);
        if (dIn == null) {
            return null;
        }
        backend.nnKernels().reluBackward(input.storage(), gradOutput.storage(), dIn.storage(), input.numElements());
        return dIn;
    }
}
