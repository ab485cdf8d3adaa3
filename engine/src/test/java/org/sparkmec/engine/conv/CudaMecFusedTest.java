package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.CudaMath;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * MEC's fused window kernels on the GPU (solution {@code fused}, the default there) against the
 * double-precision direct reference, on shapes larger than the awkward ones so that the kernels' split-K
 * paths, several tiles per dimension and both load widths (channel counts that are and are not multiples
 * of 4) run; finite-difference gradient checks; and determinism: two calls give the same bits.
 * Tolerances as in {@link CudaConvolutionTest}. With {@code spark.mec.cuda.math=tf32} the accuracy cost
 * is measured and bounded: the largest error of output, dI and dK relative to the largest magnitude of
 * the double-precision direct reference stays below {@value #TF32_MAX_RELATIVE_ERROR} (TF32 keeps 10 of
 * FP32's 23 mantissa bits: one rounding is 2^-11, about 4.9e-4, relative). Skipped, with the reason,
 * where no GPU can be used.
 */
@Tag("gpu")
class CudaMecFusedTest extends WithGpuBackend {
    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w) */
    static List<ConvGeometry> splitShapes() {
        return List.of(
                // forward split in 2 (18 tiles, 576 reduction), 16-byte loads everywhere
                new ConvGeometry(4, 12, 12, 64, 3, 3, 128, 1, 1, 1, 1),
                // k_c = 40: scalar loads of K, dO and the output; forward split in 3
                new ConvGeometry(8, 7, 7, 96, 3, 3, 40, 1, 1, 1, 1),
                // i_c = 3, 11x11 stride 4 (cv1-like): scalar loads of L, dK split in 3
                new ConvGeometry(4, 67, 67, 3, 11, 11, 20, 4, 4, 1, 1),
                // dK split in 25 over 6400 output rows; padding 2 on a 5x3 kernel with stride 2x1
                new ConvGeometry(64, 10, 10, 8, 5, 3, 16, 2, 1, 2, 1),
                // 65 channels out, 70 rows: partial tiles in both dimensions, windows that skip input rows
                new ConvGeometry(5, 15, 14, 17, 3, 3, 65, 3, 2, 0, 1),
                // k_c = 100, 135 rows: dK in the large 128 x 128 tile, partial in both dimensions, scalar dO loads
                new ConvGeometry(3, 9, 11, 15, 3, 3, 100, 1, 2, 1, 0),
                // 72 channels out on 64 output rows of width 3: auto's backward is fused; the loaders' cursors wrap
                // several output rows per stage
                new ConvGeometry(2, 66, 5, 4, 3, 3, 72, 1, 1, 0, 0));
    }

    /** Bound of the TF32 path's error, relative to the reference's largest magnitude (see the class comment). */
    static final double TF32_MAX_RELATIVE_ERROR = 5e-3;

    /**
     * TF32 tensor cores against the double-precision direct reference: max |a - ref| / max |ref| of the
     * output, dI and dK, printed and bounded by {@value #TF32_MAX_RELATIVE_ERROR}; and visibly coarser
     * than FP32 (so the TF32 kernels really ran).
     */
    @Test
    void tf32AccuracyCostIsBounded() {
        try (CudaBackend tf32 = new CudaBackend(0, CudaMath.TF32)) {
            for (ConvGeometry g : splitShapes()) {
                double[] fp32 = relativeErrors(gpu, g);
                double[] tf = relativeErrors(tf32, g);
                System.out.printf("tf32 max relative error %s: output %.2e, dI %.2e, dK %.2e (fp32: %.2e, %.2e, %.2e)%n", g,
                        tf[0], tf[1], tf[2], fp32[0], fp32[1], fp32[2]);
                for (int i = 0; i < 3; i++) {
                    assertTrue(tf[i] < TF32_MAX_RELATIVE_ERROR, "tf32 error " + tf[i] + " of tensor " + i + " of " + g);
                }
                assertTrue(tf[0] > 4 * fp32[0], "tf32 output error " + tf[0] + " not above fp32's " + fp32[0] + " for " + g);
            }
        }
    }

    /** max |fused - direct| / max |direct| of output, dI and dK on {@code backend}. */
    private static double[] relativeErrors(CudaBackend backend, ConvGeometry g) {
        MecConvolution conv = new MecConvolution(backend, g.params(), new MecOptions(100, MecSolution.FUSED));
        Convolution direct = new DirectConvolution(g.params());
        try (Tensor input = random(backend, Layout.NHWC, 21, g.inputDims());
             Tensor kernel = random(backend, Layout.HWIO, 22, g.kernelDims());
             Tensor bias = random(backend, Layout.VECTOR, 23, g.outC());
             Tensor gradOut = random(backend, Layout.NHWC, 24, g.outputDims());
             Tensor out = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor dIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor dK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor dB = Tensor.zeros(backend, Layout.VECTOR, g.outC());
             Tensor expOut = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor expDIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor expDK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor expDB = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {
            conv.forward(input, kernel, bias, out);
            conv.backward(input, kernel, gradOut, dIn, dK, dB);
            direct.forward(input, kernel, bias, expOut);
            direct.backward(input, kernel, gradOut, expDIn, expDK, expDB);
            return new double[] {relative(out.toArray(), expOut.toArray()), relative(dIn.toArray(), expDIn.toArray()),
                relative(dK.toArray(), expDK.toArray())};
        }
    }

    private static double relative(float[] actual, float[] expected) {
        double err = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs((double) actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return err / scale;
    }

    private static MecConvolution fused(ConvGeometry g) {
        return new MecConvolution(gpu, g.params(), new MecOptions(100, MecSolution.FUSED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("splitShapes")
    void fusedMatchesDirectReference(ConvGeometry g) {
        ConvStats fwd = ConvolutionTest.assertMatchesDirectReference(gpu, fused(g), "fused", g, g.hashCode());
        assertEquals(MecSolution.FUSED.name(), fwd.path());
    }

    /**
     * Under auto, the backward after a fused forward is solution A's above 64 output channels on fewer than 64
     * output rows (measured faster there) and fused elsewhere; either way against the direct reference, with the
     * workspace of the solution that ran (|L| + |O| for A).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("splitShapes")
    void autoBackwardIsSolutionAOnManyChannelsAndFewRows(ConvGeometry g) {
        MecConvolution auto = new MecConvolution(gpu, g.params(), MecOptions.defaults());
        MecSolution expected = g.outC() > 64 && g.outH() < 64 ? MecSolution.A : MecSolution.FUSED;
        assertEquals(expected, auto.backwardSolutionFor(g));
        ConvolutionTest.assertMatchesDirectReference(gpu, auto, "auto", g, g.hashCode() + 9);
        try (Tensor input = random(gpu, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = random(gpu, Layout.HWIO, 2, g.kernelDims());
             Tensor gradOut = random(gpu, Layout.NHWC, 3, g.outputDims());
             Tensor dIn = Tensor.zeros(gpu, Layout.NHWC, g.inputDims());
             Tensor dK = Tensor.zeros(gpu, Layout.HWIO, g.kernelDims())) {
            ConvStats bwd = auto.backward(input, kernel, gradOut, dIn, dK, null);
            assertEquals(expected.name(), bwd.path());
            assertEquals((g.mecLoweredElements() + (expected == MecSolution.A ? g.outputElements() : 0)) * Float.BYTES,
                    bwd.workspaceBytes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparkmec.engine.conv.ConvolutionTest#awkwardShapes")
    void autoIsFusedOnTheGpuExceptPointwise(ConvGeometry g) {
        MecConvolution auto = new MecConvolution(gpu, g.params(), MecOptions.defaults());
        ConvStats fwd = ConvolutionTest.assertMatchesDirectReference(gpu, auto, "auto", g, g.hashCode() + 5);
        assertEquals((MecConvolution.isPointwise(g) ? MecSolution.POINTWISE : MecSolution.FUSED).name(), fwd.path());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparkmec.engine.conv.GradientCheckTest#shapes")
    void fusedGradientsMatchCentralDifferences(ConvGeometry g) {
        long seed = 7000L + GradientCheckTest.shapes().indexOf(g);
        try (GradientCheckTest.Problem p = new GradientCheckTest.Problem(gpu, fused(g), g, seed)) {
            float[][] analytic = p.analyticGradients();
            GradientCheckTest.check("gradInput", p.numericGradient(p.input, seed + 10), analytic[0]);
            GradientCheckTest.check("gradKernel", p.numericGradient(p.kernel, seed + 11), analytic[1]);
            GradientCheckTest.check("gradBias", p.numericGradient(p.bias, seed + 12), analytic[2]);
        }
    }

    /** Split-K sums in a fixed order and no atomics: the same inputs give the same bits every call. */
    @Test
    void twoCallsGiveIdenticalBits() {
        for (ConvGeometry g : splitShapes()) {
            MecConvolution conv = fused(g);
            try (Tensor input = random(gpu, Layout.NHWC, 1, g.inputDims());
                 Tensor kernel = random(gpu, Layout.HWIO, 2, g.kernelDims());
                 Tensor bias = random(gpu, Layout.VECTOR, 3, g.outC());
                 Tensor gradOut = random(gpu, Layout.NHWC, 4, g.outputDims());
                 Tensor out = Tensor.zeros(gpu, Layout.NHWC, g.outputDims());
                 Tensor dIn = Tensor.zeros(gpu, Layout.NHWC, g.inputDims());
                 Tensor dK = Tensor.zeros(gpu, Layout.HWIO, g.kernelDims());
                 Tensor dB = Tensor.zeros(gpu, Layout.VECTOR, g.outC())) {
                float[][] first = null;
                for (int call = 0; call < 2; call++) {
                    conv.forward(input, kernel, bias, out);
                    conv.backward(input, kernel, gradOut, dIn, dK, dB);
                    float[][] now = {out.toArray(), dIn.toArray(), dK.toArray(), dB.toArray()};
                    if (first == null) {
                        first = now;
                    } else {
                        for (int i = 0; i < now.length; i++) {
                            assertArrayEquals(first[i], now[i], 0f, "call 2 differs from call 1, tensor " + i + " of " + g);
                        }
                    }
                }
            }
        }
    }
}
