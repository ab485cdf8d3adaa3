package org.sparkmec.engine.conv;

import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Every convolution algorithm on the CUDA backend against the double-precision direct reference, on the
 * awkward shapes of {@link ConvolutionTest}, with the same tolerances ({@code atol = 1e-6 * terms},
 * {@code rtol = 1e-4}: cuBLAS FP32, no TF32); the measured workspace against the formulas; no device
 * memory left live; and the central-difference gradient checks of {@link GradientCheckTest} on the GPU.
 * Skipped, with the reason, where no GPU can be used.
 */
@Tag("gpu")
class CudaConvolutionTest extends WithGpuBackend {
    enum Variant {
        MEC_A, MEC_B, MEC_AUTO, IM2COL;

        Convolution create(CudaBackend b, Conv2dParams params) {
            return switch (this) {
                case MEC_A -> new MecConvolution(b, params, new MecOptions(100, MecSolution.A));
                case MEC_B -> new MecConvolution(b, params, new MecOptions(100, MecSolution.B));
                case MEC_AUTO -> new MecConvolution(b, params, MecOptions.defaults());
                case IM2COL -> new Im2colConvolution(b, params);
            };
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ConvGeometry g : ConvolutionTest.awkwardShapes()) {
            for (Variant v : Variant.values()) {
                out.add(Arguments.of(v, g));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardAndBackwardMatchDirectReference(Variant variant, ConvGeometry g) {
        ConvolutionTest.assertMatchesDirectReference(gpu, variant.create(gpu, g.params()), variant.name(), g,
                g.hashCode() + 17L * variant.ordinal());
    }

    static Stream<Arguments> gradientCases() {
        return GradientCheckTest.cases();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradientCases")
    void analyticGradientsMatchCentralDifferences(GradientCheckTest.Variant variant, ConvGeometry g) {
        long seed = 1000L * GradientCheckTest.shapes().indexOf(g) + variant.ordinal();
        try (GradientCheckTest.Problem p = new GradientCheckTest.Problem(gpu, variant.create(gpu, g.params()), g, seed)) {
            float[][] analytic = p.analyticGradients();
            GradientCheckTest.check("gradInput", p.numericGradient(p.input, seed + 10), analytic[0]);
            GradientCheckTest.check("gradKernel", p.numericGradient(p.kernel, seed + 11), analytic[1]);
            GradientCheckTest.check("gradBias", p.numericGradient(p.bias, seed + 12), analytic[2]);
        }
    }

    /** Solution B in one-image chunks (a lowering per image, GEMM batches per image) on the GPU. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparkmec.engine.conv.ConvolutionTest#awkwardShapes")
    void solutionBInOneImageChunksMatchesReference(ConvGeometry g) {
        MecConvolution chunked = new MecConvolution(gpu, g.params(), new MecOptions(100, MecSolution.B), 1);
        Convolution direct = new DirectConvolution(g.params());
        try (Tensor input = random(gpu, Layout.NHWC, 7, g.inputDims());
             Tensor kernel = random(gpu, Layout.HWIO, 8, g.kernelDims());
             Tensor bias = random(gpu, Layout.VECTOR, 9, g.outC());
             Tensor out = Tensor.zeros(gpu, Layout.NHWC, g.outputDims());
             Tensor expected = Tensor.zeros(gpu, Layout.NHWC, g.outputDims())) {
            chunked.forward(input, kernel, bias, out);
            direct.forward(input, kernel, bias, expected);
            assertAllClose("chunked B " + g, expected.toArray(), out.toArray(), 1e-6 * g.kernelRows(), 1e-4);
        }
    }
}
