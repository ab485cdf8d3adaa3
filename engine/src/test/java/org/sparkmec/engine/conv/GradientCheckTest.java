package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.AssertionFailedError;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Finite-difference gradient checks of the backward passes of MEC (solutions A and B forced) and
 * im2col, independent of the direct reference that {@link ConvolutionTest} uses as its oracle.
 *
 * <p>Loss {@code L = sum(O * R)} for a fixed random R of the output's shape, so {@code dL/dO = R} is
 * what backward receives. For about {@value #SAMPLES} seeded coordinates x of each of input, kernel
 * and bias (all of them when the tensor is smaller), the numerical derivative is the central difference
 * {@code (L(x + eps) - L(x - eps)) / h} with {@code eps = 1e-2}, {@code h} being the step actually taken
 * between the two float values {@code x + eps} and {@code x - eps} (2 eps up to float rounding of x),
 * and L summed in double from the float outputs of {@code forward}.
 *
 * <p>Tolerance: {@code |num - ana| <= 1e-2 + 1e-2 * |ana|}. The convolution is linear in each argument,
 * so the central difference has no truncation error; what remains is the float rounding of the outputs
 * that x touches, divided by 2 eps (about 1e-4 on these shapes). A wrong index or a missed window
 * changes a derivative by the size of an input or R element (order 0.1 to 1), far above it.
 */
class GradientCheckTest extends WithCpuBackend {
    private static final double EPS = 1e-2;
    private static final double ATOL = 1e-2;
    private static final double RTOL = 1e-2;
    private static final int SAMPLES = 20;


    enum Variant {
        MEC_A, MEC_B, MEC_FUSED, IM2COL;

        Convolution create(Backend b, Conv2dParams params) {
            return switch (this) {
                case MEC_A -> new MecConvolution(b, params, new MecOptions(100, MecSolution.A));
                case MEC_B -> new MecConvolution(b, params, new MecOptions(100, MecSolution.B));
                case MEC_FUSED -> new MecConvolution(b, params, new MecOptions(100, MecSolution.FUSED));
                case IM2COL -> new Im2colConvolution(b, params);
            };
        }
    }

    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w) */
    static List<ConvGeometry> shapes() {
        return List.of(
                // 5x3 kernel, stride 2x1: overlapping MEC windows and width overlaps in the scatter-add.
                new ConvGeometry(1, 7, 9, 3, 5, 3, 4, 2, 1, 1, 1),
                // i_c 1, stride 3x2, padding 2: windows that start and end in the padding.
                new ConvGeometry(3, 7, 9, 1, 5, 3, 2, 3, 2, 2, 2),
                // 1x1 kernel with padding 1x0 and stride 2x1: outputs of pure padding (bias only).
                new ConvGeometry(3, 7, 9, 3, 1, 1, 5, 2, 1, 1, 0),
                // 1x1 kernel, stride 3x2: input positions no window reads; |O| > |L|, so forced A needs scratch.
                new ConvGeometry(1, 9, 7, 1, 1, 1, 4, 3, 2, 0, 2),
                // 1x1, stride 1, no padding: im2col's identity lowering (no column buffer).
                new ConvGeometry(3, 7, 9, 3, 1, 1, 4, 1, 1, 0, 0),
                // Stride 1 with k_h = 3: every window overlaps its neighbours.
                new ConvGeometry(3, 7, 9, 3, 3, 3, 2, 1, 1, 1, 2));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ConvGeometry g : shapes()) {
            for (Variant v : Variant.values()) {
                out.add(Arguments.of(v, g));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void analyticGradientsMatchCentralDifferences(Variant variant, ConvGeometry g) {
        long seed = 1000L * shapes().indexOf(g) + variant.ordinal();
        try (Problem p = new Problem(backend, variant.create(backend, g.params()), g, seed)) {
            float[][] analytic = p.analyticGradients();
            check("gradInput", p.numericGradient(p.input, seed + 10), analytic[0]);
            check("gradKernel", p.numericGradient(p.kernel, seed + 11), analytic[1]);
            check("gradBias", p.numericGradient(p.bias, seed + 12), analytic[2]);
        }
    }

    /** The check rejects a gradient that is wrong, even slightly, at a single sampled coordinate. */
    @Test
    void checkRejectsWrongGradients() {
        ConvGeometry g = shapes().get(0);
        try (Problem p = new Problem(backend, Variant.MEC_B.create(backend, g.params()), g, 7)) {
            float[][] analytic = p.analyticGradients();
            Sampled numeric = p.numericGradient(p.kernel, 8);
            assertDoesNotThrow(() -> check("gradKernel", numeric, analytic[1]));

            int i = numeric.indices[0];
            double allowed = ATOL + RTOL * Math.abs(analytic[1][i]);
            float[] slightlyOff = analytic[1].clone();
            slightlyOff[i] += (float) (2 * allowed);
            assertThrows(AssertionFailedError.class, () -> check("gradKernel", numeric, slightlyOff));
            float[] withinTolerance = analytic[1].clone();
            withinTolerance[i] += (float) (0.25 * allowed);
            assertDoesNotThrow(() -> check("gradKernel", numeric, withinTolerance));

            // The gradient of another loss (a different R) must be rejected.
            try (Problem other = new Problem(backend, Variant.MEC_B.create(backend, g.params()), g, 7, 99)) {
                float[][] wrong = other.analyticGradients();
                assertThrows(AssertionFailedError.class, () -> check("gradInput", p.numericGradient(p.input, 9), wrong[0]));
            }
        }
    }

    /** Numerical derivatives at some coordinates of a tensor. */
    record Sampled(int[] indices, double[] values) {
    }

    /** Fails unless {@code |num - ana| <= ATOL + RTOL*|ana|} at every sampled coordinate. */
    static void check(String what, Sampled numeric, float[] analytic) {
        double largest = 0;
        StringBuilder bad = new StringBuilder();
        for (int j = 0; j < numeric.indices.length; j++) {
            int i = numeric.indices[j];
            double num = numeric.values[j];
            double ana = analytic[i];
            largest = Math.max(largest, Math.abs(num));
            if (!(Math.abs(num - ana) <= ATOL + RTOL * Math.abs(ana))) {
                bad.append(String.format(" [%d] numerical %.6f, analytic %.6f;", i, num, ana));
            }
        }
        if (bad.length() > 0) {
            fail(what + ": gradient differs from the central difference beyond atol=" + ATOL + " rtol=" + RTOL + " at"
                    + bad);
        }
        // Guards against a vacuous pass (a loss that does not depend on the tensor, both sides zero).
        assertTrue(largest > 0.05, what + ": every sampled numerical derivative is about 0 (largest " + largest + ")");
    }

    /** One convolution with random input, kernel, bias and loss weights R; owns its tensors. */
    static final class Problem implements AutoCloseable {
        final Backend backend;
        final Convolution conv;
        final ConvGeometry g;
        final Tensor input;
        final Tensor kernel;
        final Tensor bias;
        final Tensor r;
        final Tensor output;
        final float[] rValues;

        Problem(Backend backend, Convolution conv, ConvGeometry g, long seed) {
            this(backend, conv, g, seed, seed + 3);
        }

        Problem(Backend backend, Convolution conv, ConvGeometry g, long seed, long rSeed) {
            this.backend = backend;
            this.conv = conv;
            this.g = g;
            this.input = random(backend, Layout.NHWC, seed, g.inputDims());
            this.kernel = random(backend, Layout.HWIO, seed + 1, g.kernelDims());
            this.bias = random(backend, Layout.VECTOR, seed + 2, g.outC());
            this.r = random(backend, Layout.NHWC, rSeed, g.outputDims());
            this.output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
            this.rValues = r.toArray();
        }

        /** {@code sum(O * R)} in double. */
        double loss() {
            conv.forward(input, kernel, bias, output);
            float[] o = output.toArray();
            double sum = 0;
            for (int i = 0; i < o.length; i++) {
                sum += (double) o[i] * rValues[i];
            }
            return sum;
        }

        /** dL/dI, dL/dK, dL/db from backward with dL/dO = R, into gradient tensors pre-filled with noise. */
        float[][] analyticGradients() {
            try (Tensor dIn = random(backend, Layout.NHWC, 41, g.inputDims());
                 Tensor dK = random(backend, Layout.HWIO, 42, g.kernelDims());
                 Tensor dB = random(backend, Layout.VECTOR, 43, g.outC())) {
                conv.backward(input, kernel, r, dIn, dK, dB);
                return new float[][] {dIn.toArray(), dK.toArray(), dB.toArray()};
            }
        }

        /** Central differences at {@value #SAMPLES} seeded distinct coordinates of {@code t} (all if fewer). */
        Sampled numericGradient(Tensor t, long seed) {
            int n = (int) t.numElements();
            int[] indices = sample(n, Math.min(SAMPLES, n), seed);
            float[] before = t.toArray();
            double[] values = new double[indices.length];
            for (int j = 0; j < indices.length; j++) {
                int i = indices[j];
                float x = t.get(i);
                float plus = x + (float) EPS;
                float minus = x - (float) EPS;
                t.set(i, plus);
                double lossPlus = loss();
                t.set(i, minus);
                double lossMinus = loss();
                t.set(i, x);
                values[j] = (lossPlus - lossMinus) / ((double) plus - minus);
            }
            assertArrayEquals(before, t.toArray(), "the tensor is restored after the perturbations");
            return new Sampled(indices, values);
        }

        @Override
        public void close() {
            input.close();
            kernel.close();
            bias.close();
            r.close();
            output.close();
        }
    }

    /** {@code k} distinct indices of {@code [0, n)}, drawn from {@code seed} (partial Fisher-Yates). */
    private static int[] sample(int n, int k, long seed) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(n - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        return Arrays.copyOf(all, k);
    }
}
