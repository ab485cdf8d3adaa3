package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/** NHWC {@code (n, h, w, c)} to MATRIX {@code (n, h*w*c)}, same element order (a copy). */
public final class FlattenLayer extends ParameterFreeLayer {
    private int[] inputDims;

    public FlattenLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public String type() {
        return "flatten";
    }

    @Override
    public int[] outputDims(int[] d) {
        if (d.length != 4) {
            throw new IllegalArgumentException("layer " + name() + " (flatten) needs an NHWC input (n, h, w, c), got "
                    + Arrays.toString(d) + "; the input is already flat");
        }
        return new int[] {d[0], Math.multiplyExact(Math.multiplyExact(d[1], d[2]), d[3])};
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        Tensor out = output.get(Layout.MATRIX, outputDims(in.dims()));
        backend.kernels().copy(in.storage(), 0, out.storage(), 0, in.numElements());
        inputDims = in.dims();
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        if (inputDims == null) {
            throw backwardBeforeForward(name());
        }
        if (!needInputGradient) {
            return null;
        }
        Tensor dIn = gradInput.get(Layout.NHWC, inputDims);
        backend.kernels().copy(gradOutput.storage(), 0, dIn.storage(), 0, dIn.numElements());
        return dIn;
    }
}
