package org.sparkmec.engine.conv;

import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The reference: the convolution's definition as plain loops accumulating in double precision, on
 * host copies of the tensors. The oracle of every test; allocates no workspace; slow on purpose.
 *
 * <p>{@code O[n,oh,ow,kc] = b[kc] + sum_{kh,kw,c} I[n, s_h*oh + kh - p_h, s_w*ow + kw - p_w, c] * K[kh,kw,c,kc]}
 * with I zero outside the input.
 */
public final class DirectConvolution extends ValidatedConvolution {

    public DirectConvolution(Conv2dParams params) {
        super(params);
    }

    @Override
    public ConvAlgorithm algorithm() {
        return ConvAlgorithm.DIRECT;
    }

    @Override
    public long forwardWorkspaceBytes(ConvGeometry geometry) {
        return 0;
    }

    @Override
    public long backwardWorkspaceBytes(ConvGeometry geometry) {
        return 0;
    }

    /** Visits every (input element, kernel element, output element) triple of the convolution. */
    @FunctionalInterface
    private interface Tap {
        void visit(int inputIndex, int kernelIndex, int outputIndex);
    }

    private static void forEachTap(ConvGeometry g, Tap tap) {
        for (int n = 0; n < g.batch(); n++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int outBase = ((n * g.outH() + oh) * g.outW() + ow) * g.outC();
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int y = oh * g.strideH() + kh - g.padH();
                        if (y < 0 || y >= g.inH()) {
                            continue;
                        }
                        for (int kw = 0; kw < g.kW(); kw++) {
                            int x = ow * g.strideW() + kw - g.padW();
                            if (x < 0 || x >= g.inW()) {
                                continue;
                            }
                            for (int c = 0; c < g.inC(); c++) {
                                int in = ((n * g.inH() + y) * g.inW() + x) * g.inC() + c;
                                int kBase = ((kh * g.kW() + kw) * g.inC() + c) * g.outC();
                                for (int kc = 0; kc < g.outC(); kc++) {
                                    tap.visit(in, kBase + kc, outBase + kc);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    ConvStats forwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor bias, Tensor output) {
        float[] in = input.toArray();
        float[] k = kernel.toArray();
        double[] out = new double[Math.toIntExact(g.outputElements())];
        if (bias != null) {
            float[] b = bias.toArray();
            for (int i = 0; i < out.length; i++) {
                out[i] = b[i % g.outC()];
            }
        }
        forEachTap(g, (i, j, o) -> out[o] += (double) in[i] * k[j]);
        output.copyFrom(toFloats(out));
        return new ConvStats(ConvAlgorithm.DIRECT, "-", 0, 0, 0);
    }

    @Override
    ConvStats backwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                              Tensor gradKernel, Tensor gradBias) {
        float[] in = input.toArray();
        float[] k = kernel.toArray();
        float[] dOut = gradOutput.toArray();
        double[] dIn = new double[in.length];
        double[] dK = new double[k.length];
        forEachTap(g, (i, j, o) -> {
            dIn[i] += (double) dOut[o] * k[j];
            dK[j] += (double) dOut[o] * in[i];
        });
        if (gradInput != null) {
            gradInput.copyFrom(toFloats(dIn));
        }
        if (gradKernel != null) {
            gradKernel.copyFrom(toFloats(dK));
        }
        if (gradBias != null) {
            double[] dB = new double[g.outC()];
            for (int i = 0; i < dOut.length; i++) {
                dB[i % g.outC()] += dOut[i];
            }
            gradBias.copyFrom(toFloats(dB));
        }
        return new ConvStats(ConvAlgorithm.DIRECT, "-", 0, 0, 0);
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
