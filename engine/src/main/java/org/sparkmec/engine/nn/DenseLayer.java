package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.Objects;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Fully connected layer on MATRIX activations {@code (n, in)}: {@code Y = X W + b} with W a MATRIX
 * {@code (in, out)} and b a VECTOR {@code (out)}; one GEMM forward, two backward.
 */
public final class DenseLayer extends WeightedLayer {
    private final Backend backend;
    private final String name;
    private final int inFeatures;
    private final int outFeatures;
    private Tensor input;

    public DenseLayer(Backend backend, String name, int inFeatures, int outFeatures, boolean withBias, WeightInit init,
                      long seed) {
        super(backend, Parameters.of(backend, name + ".weight", Layout.MATRIX, checkFeatures(name, inFeatures, outFeatures),
                outFeatures), withBias ? Parameters.of(backend, name + ".bias", Layout.VECTOR, outFeatures) : null);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.name = Objects.requireNonNull(name, "name");
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        init.fill(weight.value(), inFeatures, outFeatures, WeightInit.layerSeed(seed, name));
    }

    private static int checkFeatures(String name, int inFeatures, int outFeatures) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("layer " + name + " (dense): features must be positive, got in="
                    + inFeatures + " out=" + outFeatures);
        }
        return inFeatures;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "dense";
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        if (inputDims.length != 2 || inputDims[1] != inFeatures) {
            throw new IllegalArgumentException("layer " + name + " (dense) expects a flat input (n, " + inFeatures
                    + "), got " + Arrays.toString(inputDims) + (inputDims.length == 4 ? "; add a flatten layer before it" : ""));
        }
        return new int[] {inputDims[0], outFeatures};
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        int[] dims = outputDims(in.dims());
        if (in.layout() != Layout.MATRIX) {
            throw new IllegalArgumentException("layer " + name + " (dense) needs a MATRIX input, got " + in);
        }
        Tensor out = output.get(Layout.MATRIX, dims);
        int n = dims[0];
        backend.gemm(GemmPlan.builder(Transpose.NONE, Transpose.NONE, n, outFeatures, inFeatures)
                .a(in.storage(), inFeatures).b(weight.value().storage(), outFeatures).c(out.storage(), outFeatures)
                .add(0, 0, 0).build());
        if (bias != null) {
            backend.kernels().addBias(out.storage(), n, outFeatures, bias.value().storage());
        }
        this.input = in;
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        if (input == null) {
            throw new IllegalStateException("layer " + name + ": backward before forward");
        }
        int n = input.dim(0);
        backend.gemm(GemmPlan.builder(Transpose.TRANSPOSE, Transpose.NONE, inFeatures, outFeatures, n)
                .a(input.storage(), inFeatures).b(gradOutput.storage(), outFeatures)
                .c(weight.gradient().storage(), outFeatures).add(0, 0, 0).build());
        if (bias != null) {
            backend.kernels().sumRows(gradOutput.storage(), n, outFeatures, bias.gradient().storage());
        }
        if (!needInputGradient) {
            return null;
        }
        Tensor dIn = gradInput.get(Layout.MATRIX, n, inFeatures);
        backend.gemm(GemmPlan.builder(Transpose.NONE, Transpose.TRANSPOSE, n, inFeatures, outFeatures)
                .a(gradOutput.storage(), outFeatures).b(weight.value().storage(), outFeatures)
                .c(dIn.storage(), inFeatures).add(0, 0, 0).build());
        return dIn;
    }
}
