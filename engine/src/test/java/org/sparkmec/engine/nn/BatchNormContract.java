package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * {@link BatchNormLayer} on one backend against {@link BatchNormReference} (double precision), on awkward shapes:
 * batch 1, odd sizes, channels not a multiple of 4, a flat input, and more rows than one block of the backends'
 * sums. Inputs are uniform in [-1, 1) plus {@code 0.5 * channel} (so the mean matters). Tolerances (allclose,
 * {@code |a - b| <= atol + rtol * |b|}): forward and statistics {@code atol = 1e-5, rtol = 1e-4}; gradients
 * {@code atol = 1e-4 * sqrt(rows), rtol = 1e-3} (float sums of up to 9,000 terms against exact ones).
 */
abstract class BatchNormContract {
    private static final double EPS = 1e-3;
    private static final double MOMENTUM = 0.25;

    abstract Backend backend();

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(Layout.NHWC, new int[] {1, 3, 5, 3}),
                Arguments.of(Layout.NHWC, new int[] {2, 5, 7, 5}),
                Arguments.of(Layout.NHWC, new int[] {3, 1, 1, 7}),
                Arguments.of(Layout.NHWC, new int[] {5, 30, 31, 6}),
                Arguments.of(Layout.NHWC, new int[] {2, 9, 9, 33}),
                Arguments.of(Layout.MATRIX, new int[] {4, 13}));
    }

    /** Uniform values plus {@code 0.5 * c} on channel c. */
    private static float[] input(int[] dims, long seed) {
        int channels = dims[dims.length - 1];
        float[] x = uniform(Math.toIntExact(product(dims)), seed, 0f);
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * x[i] + 0.5f * (i % channels);
        }
        return x;
    }

    private static long product(int[] dims) {
        long p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }

    private static float[] uniform(int n, long seed, float offset) {
        float[] v = new float[n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            v[i] = offset + (float) (rnd.nextDouble() - 0.5);
        }
        return v;
    }

    /** Sets the layer's parameters and running statistics, in its parameter order. */
    private static void load(BatchNormLayer bn, float[]... values) {
        for (int i = 0; i < values.length; i++) {
            bn.parameters().get(i).value().copyFrom(values[i]);
        }
    }

    private BatchNormLayer layer(int channels) {
        return new BatchNormLayer(backend(), "bn", channels, MOMENTUM, EPS);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void trainingForwardBackwardAndStateChangeMatchTheReference(Layout layout, int[] dims) {
        int channels = dims[dims.length - 1];
        float[] x = input(dims, 1);
        float[] gamma = uniform(channels, 2, 1f);
        float[] beta = uniform(channels, 3, 0f);
        float[] runningMean = uniform(channels, 4, 0.2f);
        float[] runningMeanSquare = uniform(channels, 5, 1.5f);
        float[] dy = uniform(x.length, 6, 0f);
        BatchNormReference ref = new BatchNormReference(x, channels);
        double rows = x.length / (double) channels;
        try (BatchNormLayer bn = layer(channels);
             Tensor in = Tensor.of(backend(), layout, x, dims);
             Tensor gradOut = Tensor.of(backend(), layout, dy, dims)) {
            load(bn, gamma, beta, runningMean, runningMeanSquare);
            float[] y = bn.forward(in, Mode.TRAIN).toArray();
            assertAllClose("forward", ref.forward(ref.mean, ref.variance, EPS, gamma, beta), y, 1e-5, 1e-4);
            float[] dx = bn.backward(gradOut, true).toArray();
            float[][] expected = ref.backward(dy, EPS, gamma);
            double atol = 1e-4 * Math.sqrt(rows);
            assertAllClose("dx", expected[0], dx, atol, 1e-3);
            assertAllClose("dgamma", expected[1], bn.parameters().get(0).gradient().toArray(), atol, 1e-3);
            assertAllClose("dbeta", expected[2], bn.parameters().get(1).gradient().toArray(), atol, 1e-3);
            double[] dMean = new double[channels];
            double[] dMeanSquare = new double[channels];
            for (int c = 0; c < channels; c++) {
                dMean[c] = MOMENTUM * (ref.mean[c] - runningMean[c]);
                dMeanSquare[c] = MOMENTUM * (ref.meanSquare[c] - runningMeanSquare[c]);
            }
            assertAllClose("running_mean change", BatchNormReference.toFloats(dMean),
                    bn.parameters().get(2).gradient().toArray(), 1e-5, 1e-4);
            assertAllClose("running_mean_square change", BatchNormReference.toFloats(dMeanSquare),
                    bn.parameters().get(3).gradient().toArray(), 1e-5, 1e-4);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void evaluationNormalisesWithTheRunningStatistics(Layout layout, int[] dims) {
        int channels = dims[dims.length - 1];
        float[] x = input(dims, 11);
        float[] gamma = uniform(channels, 12, 1f);
        float[] beta = uniform(channels, 13, 0f);
        float[] runningMean = uniform(channels, 14, 0.5f);
        float[] runningMeanSquare = uniform(channels, 15, 2f);
        double[] mu = new double[channels];
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            mu[c] = runningMean[c];
            var[c] = Math.max(0, (double) runningMeanSquare[c] - (double) runningMean[c] * runningMean[c]);
        }
        try (BatchNormLayer bn = layer(channels); Tensor in = Tensor.of(backend(), layout, x, dims)) {
            load(bn, gamma, beta, runningMean, runningMeanSquare);
            float[] y = bn.forward(in, Mode.EVAL).toArray();
            assertAllClose("eval forward", new BatchNormReference(x, channels).forward(mu, var, EPS, gamma, beta), y,
                    1e-5, 1e-4);
            assertThrows(IllegalStateException.class, () -> bn.backward(in, true));
        }
    }

    @Test
    void aFreshLayerIsTheIdentityInEvaluation() {
        float[] x = input(new int[] {2, 3, 3, 5}, 21);
        try (BatchNormLayer bn = layer(5); Tensor in = Tensor.of(backend(), Layout.NHWC, x, 2, 3, 3, 5)) {
            float[] y = bn.forward(in, Mode.EVAL).toArray();
            // running mean 0, running mean of squares 1: variance 1, so y = x / sqrt(1 + eps)
            for (int i = 0; i < x.length; i++) {
                assertTrue(Math.abs(y[i] - x[i] / Math.sqrt(1 + EPS)) <= 1e-6 + 1e-6 * Math.abs(x[i]),
                        "element " + i + ": " + y[i] + " for " + x[i]);
            }
        }
    }
}
