package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * 2-D max or average pooling over NHWC activations (see {@link PoolGeometry}). Max pooling routes
 * each gradient to the first maximum of its window; average pooling divides by the full window area,
 * padding counting as zeros.
 */
public final class Pool2dLayer extends ParameterFreeLayer {

    /** The pooling function. */
    public enum Kind {
        MAX("maxpool2d"),
        AVERAGE("avgpool2d");

        private final String type;

        Kind(String type) {
            this.type = type;
        }
    }

    private final Kind kind;
    private final int kH;
    private final int kW;
    private final int sH;
    private final int sW;
    private final int pH;
    private final int pW;
    private Tensor input;
    private Tensor lastOutput;
    private PoolGeometry geometry;

    public Pool2dLayer(Backend backend, String name, Kind kind, int kH, int kW, int sH, int sW, int pH, int pW) {
        super(backend, name);
        this.kind = kind;
        this.kH = kH;
        this.kW = kW;
        this.sH = sH;
        this.sW = sW;
        this.pH = pH;
        this.pW = pW;
    }

    @Override
    public String type() {
        return kind.type;
    }

    private PoolGeometry geometry(int[] d) {
        if (d.length != 4) {
            throw new IllegalArgumentException("layer " + name() + " (" + type() + ") needs an NHWC input (n, h, w, c), got "
                    + Arrays.toString(d));
        }
        try {
            return new PoolGeometry(d[0], d[1], d[2], d[3], kH, kW, sH, sW, pH, pW);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + name() + " (" + type() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        return geometry(inputDims).outputDims();
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        PoolGeometry g = geometry(in.dims());
        Tensor out = output.get(Layout.NHWC, g.outputDims());
        if (kind == Kind.MAX) {
            backend.nnKernels().maxPoolForward(in.storage(), g, out.storage());
        } else {
            backend.nnKernels().avgPoolForward(in.storage(), g, out.storage());
        }
        input = in;
        lastOutput = out;
        geometry = g;
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        Tensor dIn = inputGradient(input, needInputGradient);
        if (dIn == null) {
            return null;
        }
        if (kind == Kind.MAX) {
            backend.nnKernels().maxPoolBackward(input.storage(), lastOutput.storage(), gradOutput.storage(), geometry,
                    dIn.storage());
        } else {
            backend.nnKernels().avgPoolBackward(gradOutput.storage(), geometry, dIn.storage());
        }
        return dIn;
    }
}
