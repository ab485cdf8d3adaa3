package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Global average pooling: NHWC {@code (n, h, w, c)} to MATRIX {@code (n, c)}, the mean of each channel over
 * its {@code h x w} positions. It is average pooling with one {@code h x w} window (the backends' pooling
 * kernels), whose {@code (n, 1, 1, c)} output is laid out as {@code (n, c)}.
 */
public final class GlobalAvgPoolLayer extends ParameterFreeLayer {
    private PoolGeometry geometry;
    private int[] inputDims;

    public GlobalAvgPoolLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public String type() {
        return "globalavgpool";
    }

    @Override
    public int[] outputDims(int[] d) {
        if (d.length != 4) {
            throw new IllegalArgumentException("layer " + name() + " (globalavgpool) needs an NHWC input (n, h, w, c), got "
                    + Arrays.toString(d));
        }
        return new int[] {d[0], d[3]};
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        int[] d = in.dims();
        Tensor out = output.get(Layout.MATRIX, outputDims(d));
        geometry = new PoolGeometry(d[0], d[1], d[2], d[3], d[1], d[2], d[1], d[2], 0, 0);
        backend.nnKernels().avgPoolForward(in.storage(), geometry, out.storage());
        inputDims = d;
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
        backend.nnKernels().avgPoolBackward(gradOutput.storage(), geometry, dIn.storage());
        return dIn;
    }
}
