package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Finite-difference checks of every layer's backward pass: loss = sum(forward(x) * R) for a fixed
 * random R, so dLoss/dOutput = R; central differences with eps = 1e-2 on float forward outputs summed in
 * double, on about 25 sampled coordinates of the input and of each trainable parameter (batch
 * normalisation's running statistics are state, not trained: BatchNormLayerTest checks them). Tolerance:
 * {@code |numeric - analytic| <= 2e-2 + 2e-2 * |analytic|} (most layers are piecewise linear, so central
 * differences are exact up to float rounding away from kinks; batch normalisation is smooth, its central
 * differences off by O(eps^2)).
 */
class LayerGradientCheckTest {
    private static final double EPS = 1e-2;
    private static final double ATOL = 2e-2;
    private static final double RTOL = 2e-2;
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    record Case(String name, Function<CpuBackend, Layer> factory, Layout layout, int[] inputDims) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> layers() {
        List<Case> cases = new ArrayList<>();
        for (ConvAlgorithmChoice algorithm : ConvAlgorithmChoice.values()) {
            cases.add(new Case("conv2d-" + algorithm + " 3x3 s1 p1", b -> new Conv2dLayer(b,
                    new Conv2dLayer.Config("conv", 2, 3, 3, 3, Conv2dParams.of(1, 1), algorithm, true, WeightInit.HE),
                    MecOptions.defaults(), 1L << 30, 7), Layout.NHWC, new int[] {3, 7, 9, 2}));
            cases.add(new Case("conv2d-" + algorithm + " 5x3 s2x1 p0", b -> new Conv2dLayer(b,
                    new Conv2dLayer.Config("conv", 3, 4, 5, 3, new Conv2dParams(2, 1, 0, 0), algorithm, false, WeightInit.XAVIER),
                    MecOptions.defaults(), 1L << 30, 8), Layout.NHWC, new int[] {1, 9, 7, 3}));
        }
        cases.add(new Case("dense", b -> new DenseLayer(b, "fc", 13, 5, true, WeightInit.XAVIER, 3), Layout.MATRIX,
                new int[] {3, 13}));
        cases.add(new Case("dense-no-bias", b -> new DenseLayer(b, "fc", 7, 4, false, WeightInit.HE, 3), Layout.MATRIX,
                new int[] {1, 7}));
        cases.add(new Case("relu", b -> new ReluLayer(b, "relu"), Layout.NHWC, new int[] {2, 5, 3, 4}));
        cases.add(new Case("maxpool 2x2 s2", b -> new Pool2dLayer(b, "pool", Pool2dLayer.Kind.MAX, 2, 2, 2, 2, 0, 0),
                Layout.NHWC, new int[] {2, 6, 7, 3}));
        cases.add(new Case("maxpool 3x3 s2 p1", b -> new Pool2dLayer(b, "pool", Pool2dLayer.Kind.MAX, 3, 3, 2, 2, 1, 1),
                Layout.NHWC, new int[] {3, 7, 5, 2}));
        cases.add(new Case("avgpool 3x2 s1x2 p1x0", b -> new Pool2dLayer(b, "pool", Pool2dLayer.Kind.AVERAGE, 3, 2, 1, 2,
                1, 0), Layout.NHWC, new int[] {2, 5, 6, 3}));
        cases.add(new Case("flatten", b -> new FlattenLayer(b, "flat"), Layout.NHWC, new int[] {2, 3, 4, 5}));
        cases.add(new Case("dropout", b -> new DropoutLayer(b, "drop", 0.3, 11), Layout.MATRIX, new int[] {3, 17}));
        cases.add(new Case("batchnorm NHWC", b -> new BatchNormLayer(b, "bn", 3, 0.1, 1e-5), Layout.NHWC,
                new int[] {2, 5, 3, 3}));
        cases.add(new Case("batchnorm batch 1", b -> new BatchNormLayer(b, "bn", 5, 0.1, 1e-5), Layout.NHWC,
                new int[] {1, 3, 7, 5}));
        cases.add(new Case("batchnorm flat", b -> new BatchNormLayer(b, "bn", 7, 0.1, 1e-5), Layout.MATRIX,
                new int[] {6, 7}));
        cases.add(new Case("globalavgpool", b -> new GlobalAvgPoolLayer(b, "gap"), Layout.NHWC, new int[] {2, 5, 3, 7}));
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void backwardMatchesFiniteDifferences(Case c) {
        try (Layer layer = c.factory().apply(backend);
             Tensor x = Tensor.zeros(backend, c.layout(), c.inputDims())) {
            RandomFill.uniform(x.storage(), 1);
            int[] outDims = layer.outputDims(c.inputDims());
            Layout outLayout = outDims.length == 2 ? Layout.MATRIX : Layout.NHWC;
            try (Tensor r = Tensor.zeros(backend, outLayout, outDims)) {
                RandomFill.uniform(r.storage(), 2);
                float[] weights = r.toArray();
                // Dropout: keep the same mask for every evaluation by rewinding its pass counter.
                Function<Mode, Double> loss = mode -> {
                    if (layer instanceof DropoutLayer d) {
                        d.setPasses(0);
                    }
                    return dot(layer.forward(x, mode).toArray(), weights);
                };
                loss.apply(Mode.TRAIN);
                Tensor dx = layer.backward(r, true);
                check(c + " input", x, dx.toArray(), loss);
                for (Parameter p : layer.parameters()) {
                    if (!p.trainable()) {
                        continue;
                    }
                    loss.apply(Mode.TRAIN);
                    layer.backward(r, true);
                    check(c + " " + p.name(), p.value(), p.gradient().toArray(), loss);
                }
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static void check(String what, Tensor t, float[] analytic, Function<Mode, Double> loss) {
        SplittableRandom rnd = new SplittableRandom(what.hashCode());
        for (int s = 0; s < 25; s++) {
            int i = rnd.nextInt(analytic.length);
            float v = t.get(i);
            t.set(i, v + (float) EPS);
            double plus = loss.apply(Mode.TRAIN);
            t.set(i, v - (float) EPS);
            double minus = loss.apply(Mode.TRAIN);
            t.set(i, v);
            double numeric = (plus - minus) / (2 * EPS);
            if (Math.abs(numeric - analytic[i]) > ATOL + RTOL * Math.abs(analytic[i])) {
                fail(what + " element " + i + ": numeric " + numeric + " vs analytic " + analytic[i]);
            }
        }
    }

    @Test
    void softmaxCrossEntropyGradientMatchesFiniteDifferences() {
        int[] labels = {2, 0, 4};
        try (Tensor logits = Tensor.zeros(backend, Layout.MATRIX, 3, 5);
             Tensor grad = Tensor.zeros(backend, Layout.MATRIX, 3, 5)) {
            RandomFill.uniform(logits.storage(), 5);
            SoftmaxCrossEntropy.compute(backend, logits, labels, grad);
            float[] analytic = grad.toArray();
            for (int i = 0; i < analytic.length; i++) {
                float v = logits.get(i);
                logits.set(i, v + 1e-3f);
                double plus = SoftmaxCrossEntropy.compute(backend, logits, labels, null).loss();
                logits.set(i, v - 1e-3f);
                double minus = SoftmaxCrossEntropy.compute(backend, logits, labels, null).loss();
                logits.set(i, v);
                assertEquals((plus - minus) / 2e-3, analytic[i], 1e-3, "element " + i);
            }
        }
    }

    @Test
    void softmaxCrossEntropyOfUniformLogitsIsLogClasses() {
        try (Tensor logits = Tensor.zeros(backend, Layout.MATRIX, 4, 10)) {
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(backend, logits, new int[] {0, 1, 2, 3}, null);
            assertEquals(Math.log(10), r.loss(), 1e-9);
            assertEquals(4, r.count());
        }
    }

    @Test
    void dropoutEvaluationIsIdentityAndTrainingKeepsAboutOneMinusRate() {
        try (DropoutLayer d = new DropoutLayer(backend, "drop", 0.25, 3);
             Tensor x = Tensor.zeros(backend, Layout.MATRIX, 100, 100)) {
            RandomFill.uniform(x.storage(), 4);
            float[] in = x.toArray();
            float[] eval = d.forward(x, Mode.EVAL).toArray();
            for (int i = 0; i < in.length; i++) {
                assertEquals(in[i], eval[i]);
            }
            float[] train = d.forward(x, Mode.TRAIN).toArray();
            int kept = 0;
            for (int i = 0; i < in.length; i++) {
                if (train[i] != 0) {
                    kept++;
                    assertEquals(in[i] / 0.75f, train[i], 1e-6);
                }
            }
            assertTrue(Math.abs(kept - 7500) < 300, "kept " + kept + " of 10000 at rate 0.25");
        }
    }
}
