package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.optim.Sgd;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Batch normalisation on the CPU backend ({@link BatchNormContract}), and how its running statistics behave
 * under data parallelism: the image-weighted mean of two workers' state changes equals the change of their
 * union as one batch, and an optimizer adds it as is.
 */
class BatchNormLayerTest extends BatchNormContract {
    private static CpuBackend cpu;

    @BeforeAll
    static void start() {
        cpu = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stop() {
        cpu.close();
    }

    @Override
    Backend backend() {
        return cpu;
    }

    /** Forward and backward in training mode; returns the two state changes, concatenated. */
    private static float[] stateChange(BatchNormLayer bn, Tensor x) {
        Tensor y = bn.forward(x, Mode.TRAIN);
        try (Tensor dy = Tensor.zeros(cpu, y.layout(), y.dims())) {
            RandomFill.uniform(dy.storage(), 9);
            bn.backward(dy, false);
        }
        float[] mean = bn.parameters().get(2).gradient().toArray();
        float[] square = bn.parameters().get(3).gradient().toArray();
        float[] both = new float[mean.length + square.length];
        System.arraycopy(mean, 0, both, 0, mean.length);
        System.arraycopy(square, 0, both, mean.length, square.length);
        return both;
    }

    @Test
    void averagedWorkerStateChangesEqualTheChangeOfTheWholeBatch() {
        int[] dims = {5, 4, 3, 6};
        try (Tensor all = RandomFill.uniformTensor(cpu, Layout.NHWC, 31, dims);
             BatchNormLayer whole = new BatchNormLayer(cpu, "bn", 6, 0.1, 1e-5);
             BatchNormLayer first = new BatchNormLayer(cpu, "bn", 6, 0.1, 1e-5);
             BatchNormLayer second = new BatchNormLayer(cpu, "bn", 6, 0.1, 1e-5)) {
            float[] values = all.toArray();
            int split = 2 * 4 * 3 * 6;
            try (Tensor a = Tensor.of(cpu, Layout.NHWC, java.util.Arrays.copyOfRange(values, 0, split), 2, 4, 3, 6);
                 Tensor b = Tensor.of(cpu, Layout.NHWC, java.util.Arrays.copyOfRange(values, split, values.length),
                         3, 4, 3, 6)) {
                float[] expected = stateChange(whole, all);
                float[] ca = stateChange(first, a);
                float[] cb = stateChange(second, b);
                float[] averaged = new float[ca.length];
                for (int i = 0; i < averaged.length; i++) {
                    averaged[i] = (2 * ca[i] + 3 * cb[i]) / 5;
                }
                assertAllClose("image-weighted mean of the workers' changes", expected, averaged, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void theOptimizerAddsTheStateChangeAsIsAndTrainsOnlyGammaAndBeta() {
        try (BatchNormLayer bn = new BatchNormLayer(cpu, "bn", 3, 0.1, 1e-5);
             Tensor x = RandomFill.uniformTensor(cpu, Layout.NHWC, 41, 2, 3, 3, 3)) {
            float[] change = stateChange(bn, x);
            List<Parameter> params = bn.parameters();
            assertEquals(List.of(true, true, false, false), params.stream().map(Parameter::trainable).toList());
            float[] gammaBefore = params.get(0).value().toArray();
            float[] gammaGradient = params.get(0).gradient().toArray();
            Optimizer sgd = new Sgd(0.9, false, 0.1);
            sgd.step(params, 0.5);
            float[] mean = params.get(2).value().toArray();
            float[] square = params.get(3).value().toArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(0f + change[c], mean[c], "running mean " + c);
                assertEquals(1f + change[3 + c], square[c], "running mean of squares " + c);
                // gamma: SGD with weight decay 0.1 (first step: v = g + wd * w), lr 0.5
                assertEquals(gammaBefore[c] - 0.5 * (gammaGradient[c] + 0.1 * gammaBefore[c]),
                        params.get(0).value().toArray()[c], 1e-6, "gamma " + c);
            }
            assertTrue(sgd.state().slots().keySet().stream().noneMatch(n -> n.startsWith("bn.running")),
                    "no optimizer state for the running statistics: " + sgd.state().slots().keySet());
        }
    }

    @Test
    void rejectsBadSettingsAndInputsNamingThem() {
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> new BatchNormLayer(cpu, "bn1", 4, 0, 1e-5));
        assertEquals("layer bn1 (batchnorm): momentum must be in (0, 1], got 0.0", m.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchNormLayer(cpu, "bn1", 4, 0.1, -1));
        assertEquals("layer bn1 (batchnorm): epsilon must be positive, got -1.0", e.getMessage());
        try (BatchNormLayer bn = new BatchNormLayer(cpu, "bn2", 4, 0.1, 1e-5)) {
            IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                    () -> bn.outputDims(new int[] {2, 3, 3, 5}));
            assertEquals("layer bn2 (batchnorm) expects NHWC (n, h, w, 4) or (n, 4) activations, got [2, 3, 3, 5]",
                    d.getMessage());
        }
    }
}
