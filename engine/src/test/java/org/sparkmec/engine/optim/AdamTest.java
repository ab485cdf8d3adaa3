package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.nn.Parameter;

/**
 * {@link Adam} against the double-precision reference of its documented equations, a few values worked
 * out by hand, convergence on a quadratic, and argument validation.
 *
 * <p>Tolerance against the reference: {@code |a - b| <= 1e-6 + 1e-5 * |b|} (float32 storage of weights and
 * moments; each step moves a weight by about the learning rate, at most 0.2).
 */
class AdamTest extends WithParameters {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final double[] RATES = {0.1, 0.05, 0.2};

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of(0.9, 0.999, 1e-8, 0.0),
                Arguments.of(0.9, 0.999, 1e-8, 0.1),
                Arguments.of(0.0, 0.5, 1e-3, 0.0),
                Arguments.of(0.5, 0.0, 0.1, 0.01));
    }

    @ParameterizedTest(name = "beta1 {0}, beta2 {1}, epsilon {2}, weight decay {3}")
    @MethodSource("settings")
    void matchesReference(double beta1, double beta2, double epsilon, double weightDecay) {
        assertMatchesReference(new Adam(beta1, beta2, epsilon, weightDecay),
                Reference.adam(beta1, beta2, epsilon, weightDecay), new int[] {7, 3}, RATES, 31, ATOL, RTOL);
    }

    @Test
    void matchesReferenceAcrossChunks() {
        int n = 2 * SlotOptimizer.CHUNK + 5;
        assertMatchesReference(new Adam(0.8, 0.99, 1e-8, 0.01), Reference.adam(0.8, 0.99, 1e-8, 0.01),
                new int[] {1, n}, RATES, 32, ATOL, RTOL);
    }

    /**
     * One weight, lr 0.1, beta1 0.9, beta2 0.99, epsilon 1e-8, gradients 0.5 then -0.5. Step 1: the bias
     * correction makes m^ = g and v^ = g^2, so the weight moves by lr * sign(g). Step 2: m = 0.9 * 0.05 -
     * 0.05 = -0.005, m^ = -0.005 / 0.19; v = 0.99 * 0.0025 + 0.0025 = 0.004975, v^ = 0.004975 / 0.0199 =
     * 0.25.
     */
    @Test
    void workedByHand() {
        Parameter p = parameter("w", new float[] {1});
        Adam adam = new Adam(0.9, 0.99, 1e-8, 0);
        p.gradient().copyFrom(new float[] {0.5f});
        adam.step(List.of(p), 0.1);
        double w1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        assertEquals(w1, p.value().get(0), 1e-6);
        p.gradient().copyFrom(new float[] {-0.5f});
        adam.step(List.of(p), 0.1);
        double m2 = 0.9 * (0.1 * 0.5) + 0.1 * -0.5;
        double v2 = 0.99 * (0.01 * 0.25) + 0.01 * 0.25;
        double w2 = w1 - 0.1 * (m2 / (1 - 0.81)) / (Math.sqrt(v2 / (1 - 0.9801)) + 1e-8);
        assertEquals(-0.005, m2, 1e-15);
        assertEquals(0.25, v2 / (1 - 0.9801), 1e-12);
        assertEquals(w2, p.value().get(0), 1e-6);
    }

    /** The bias correction follows the optimizer's step count, also for a parameter first seen later. */
    @Test
    void lateParameterUsesOptimizerStepCount() {
        Adam adam = new Adam(0.9, 0.999, 1e-8, 0);
        Reference.Stepper reference = Reference.adam(0.9, 0.999, 1e-8, 0);
        float[] a0 = uniform(41, 4);
        float[] b0 = uniform(42, 6);
        Parameter a = parameter("a", a0);
        Parameter b = parameter("b", b0);
        double[] aRef = toDouble(a0);
        double[] bRef = toDouble(b0);
        float[] g = uniform(43, 4);
        a.gradient().copyFrom(g);
        reference.step("a", aRef, g, 0.1);
        reference.endStep();
        adam.step(List.of(a), 0.1);
        float[] ga = uniform(44, 4);
        float[] gb = uniform(45, 6);
        a.gradient().copyFrom(ga);
        b.gradient().copyFrom(gb);
        reference.step("a", aRef, ga, 0.1);
        reference.step("b", bRef, gb, 0.1);
        reference.endStep();
        adam.step(List.of(b, a), 0.1);
        assertAllClose("a", toFloat(aRef), a.value().toArray(), ATOL, RTOL);
        assertAllClose("b", toFloat(bRef), b.value().toArray(), ATOL, RTOL);
    }

    @Test
    void minimisesQuadratic() {
        float[] target = uniform(51, 13);
        Parameter p = parameter("w", uniform(52, 13));
        Adam adam = new Adam();
        LearningRateSchedule schedule = new CosineAnnealing(0.05, 1);
        int steps = 2000;
        for (int s = 0; s < steps; s++) {
            quadraticGradient(p, target);
            adam.step(List.of(p), schedule.rate(0, s, steps));
        }
        double distance = maxDistance(p.value().toArray(), toDouble(target));
        assertTrue(distance < 1e-4, "distance " + distance);
    }

    @Test
    void rejectsInvalidSettings() {
        assertMessage("Adam beta1 must be in [0, 1), got 1.0", () -> new Adam(1, 0.999, 1e-8, 0));
        assertMessage("Adam beta2 must be in [0, 1), got -0.5", () -> new Adam(0.9, -0.5, 1e-8, 0));
        assertMessage("Adam epsilon must be finite and > 0, got 0.0", () -> new Adam(0.9, 0.999, 0, 0));
        assertMessage("Adam weight decay must be finite and >= 0, got NaN", () -> new Adam(0.9, 0.999, 1e-8, Double.NaN));
    }
}
