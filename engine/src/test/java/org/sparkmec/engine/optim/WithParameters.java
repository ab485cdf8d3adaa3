package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.ConvTestSupport;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Base of the optimizer tests: one CPU backend for the class, parameters built on it (closed after each
 * test), seeded values, and the quadratic {@code f(w) = sum (w - t)^2} whose gradient is {@code 2 (w - t)}.
 */
abstract class WithParameters {
    static CpuBackend backend;
    private final List<Tensor> tensors = new ArrayList<>();

    @BeforeAll
    static void startBackend() {
        backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    @AfterEach
    void closeTensors() {
        tensors.forEach(Tensor::close);
        tensors.clear();
    }

    /** A parameter holding {@code values}, with a zero gradient. */
    Parameter parameter(String name, float[] values) {
        Tensor value = Tensor.of(backend, Layout.VECTOR, values, values.length);
        Tensor gradient = Tensor.zeros(backend, Layout.VECTOR, values.length);
        tensors.add(value);
        tensors.add(gradient);
        return new Parameter(name, value, gradient);
    }

    /** {@code n} values uniform in [-1, 1) drawn from {@code seed}. */
    static float[] uniform(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return values;
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** Sets the gradient of the quadratic with minimum {@code target}: {@code 2 (w - target)}. */
    static void quadraticGradient(Parameter p, float[] target) {
        float[] w = p.value().toArray();
        float[] g = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            g[i] = 2 * (w[i] - target[i]);
        }
        p.gradient().copyFrom(g);
    }

    /**
     * Steps {@code optimizer} and {@code reference} side by side, one step per entry of {@code rates}, on
     * parameters {@code p0, p1, ...} of the given sizes with seeded values and gradients, and checks every
     * parameter after every step: {@code |w - ref| <= atol + rtol * |ref|}.
     */
    void assertMatchesReference(Optimizer optimizer, Reference.Stepper reference, int[] sizes, double[] rates,
                                long seed, double atol, double rtol) {
        List<Parameter> params = new ArrayList<>();
        List<double[]> expected = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            float[] w0 = uniform(seed + i, sizes[i]);
            params.add(parameter("p" + i, w0));
            expected.add(toDouble(w0));
        }
        for (int s = 0; s < rates.length; s++) {
            for (int i = 0; i < sizes.length; i++) {
                float[] g = uniform(seed * 1000 + 17L * s + i, sizes[i]);
                params.get(i).gradient().copyFrom(g);
                reference.step("p" + i, expected.get(i), g, rates[s]);
            }
            reference.endStep();
            optimizer.step(params, rates[s]);
            for (int i = 0; i < sizes.length; i++) {
                ConvTestSupport.assertAllClose(optimizer + " step " + (s + 1) + " p" + i, toFloat(expected.get(i)),
                        params.get(i).value().toArray(), atol, rtol);
            }
        }
        assertEquals(rates.length, optimizer.steps());
    }

    /** Asserts that {@code call} throws {@link IllegalArgumentException} with exactly {@code expected}. */
    static void assertMessage(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    /** Largest {@code |w_i - expected_i|}. */
    static double maxDistance(float[] w, double[] expected) {
        double worst = 0;
        for (int i = 0; i < w.length; i++) {
            worst = Math.max(worst, Math.abs(w[i] - expected[i]));
        }
        return worst;
    }
}
