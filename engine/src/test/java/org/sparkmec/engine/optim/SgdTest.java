package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.nn.Parameter;

/**
 * {@link Sgd} against the double-precision reference of its documented equations, a few values worked out
 * by hand, convergence on a quadratic, and argument validation.
 *
 * <p>Tolerance against the reference: {@code |a - b| <= 1e-6 + 1e-5 * |b|} (float32 storage of the weights
 * and the velocity after each of 3 steps of size about 0.1).
 */
class SgdTest extends WithParameters {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final double[] RATES = {0.1, 0.05, 0.2};

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of(0.0, false, 0.0),
                Arguments.of(0.9, false, 0.0),
                Arguments.of(0.9, true, 0.0),
                Arguments.of(0.0, false, 0.01),
                Arguments.of(0.5, false, 0.1),
                Arguments.of(0.7, true, 0.05));
    }

    @ParameterizedTest(name = "momentum {0}, nesterov {1}, weight decay {2}")
    @MethodSource("settings")
    void matchesReference(double momentum, boolean nesterov, double weightDecay) {
        assertMatchesReference(new Sgd(momentum, nesterov, weightDecay), Reference.sgd(momentum, nesterov, weightDecay),
                new int[] {7, 3}, RATES, 11, ATOL, RTOL);
    }

    @Test
    void matchesReferenceAcrossChunks() {
        int n = 2 * SlotOptimizer.CHUNK + 5;
        assertMatchesReference(new Sgd(0.9, true, 0.01), Reference.sgd(0.9, true, 0.01), new int[] {n, 1}, RATES, 12,
                ATOL, RTOL);
    }

    /** One weight, gradient 0.5 at both steps, lr 0.1: pins PyTorch's convention (no dampening, v0 = 0). */
    @Test
    void workedByHand() {
        double[][] expected = {
                {1 - 0.1 * 0.5, 1 - 0.1 * 0.5 - 0.1 * 0.5},
                // momentum 0.9: v1 = 0.5, v2 = 0.9 * 0.5 + 0.5 = 0.95
                {1 - 0.1 * 0.5, 1 - 0.1 * 0.5 - 0.1 * 0.95},
                // Nesterov: steps use g + 0.9 v: 0.5 + 0.45 = 0.95, then 0.5 + 0.9 * 0.95 = 1.355
                {1 - 0.1 * 0.95, 1 - 0.1 * 0.95 - 0.1 * 1.355},
                // weight decay 0.2: g'1 = 0.5 + 0.2 * 1 = 0.7, w1 = 0.93; g'2 = 0.5 + 0.2 * 0.93 = 0.686
                {0.93, 0.93 - 0.1 * 0.686},
        };
        Sgd[] optimizers = {new Sgd(0, false, 0), new Sgd(0.9, false, 0), new Sgd(0.9, true, 0), new Sgd(0, false, 0.2)};
        for (int k = 0; k < optimizers.length; k++) {
            Parameter p = parameter("w", new float[] {1});
            for (int s = 0; s < 2; s++) {
                p.gradient().copyFrom(new float[] {0.5f});
                optimizers[k].step(List.of(p), 0.1);
                assertEquals(expected[k][s], p.value().get(0), 1e-6, optimizers[k] + " step " + (s + 1));
            }
        }
    }

    static Stream<Sgd> convergent() {
        return Stream.of(new Sgd(0, false, 0), new Sgd(0.9, false, 0), new Sgd(0.9, true, 0));
    }

    @ParameterizedTest
    @MethodSource("convergent")
    void minimisesQuadratic(Sgd sgd) {
        float[] target = uniform(21, 13);
        Parameter p = parameter("w", uniform(22, 13));
        for (int s = 0; s < 300; s++) {
            quadraticGradient(p, target);
            sgd.step(List.of(p), 0.05);
        }
        assertTrue(maxDistance(p.value().toArray(), toDouble(target)) < 1e-5,
                sgd + ": " + maxDistance(p.value().toArray(), toDouble(target)));
    }

    /** With weight decay the minimum of sum (w - t)^2 + wd/2 |w|^2 is w = 2t / (2 + wd). */
    @Test
    void weightDecayShiftsMinimum() {
        double wd = 0.5;
        float[] target = uniform(23, 9);
        double[] shifted = toDouble(target);
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = 2 * shifted[i] / (2 + wd);
        }
        Parameter p = parameter("w", uniform(24, 9));
        Sgd sgd = new Sgd(0.5, false, wd);
        for (int s = 0; s < 300; s++) {
            quadraticGradient(p, target);
            sgd.step(List.of(p), 0.05);
        }
        assertTrue(maxDistance(p.value().toArray(), shifted) < 1e-5, "" + maxDistance(p.value().toArray(), shifted));
    }

    @Test
    void zeroRateChangesNoWeight() {
        float[] w0 = uniform(25, 5);
        Parameter p = parameter("w", w0);
        p.gradient().copyFrom(uniform(26, 5));
        Sgd sgd = new Sgd(0.9, false, 0.1);
        sgd.step(List.of(p), 0);
        assertArrayEquals(w0, p.value().toArray());
        assertEquals(1, sgd.steps());
    }

    @Test
    void rejectsInvalidSettings() {
        assertMessage("SGD momentum must be in [0, 1), got 1.0", () -> new Sgd(1, false, 0));
        assertMessage("SGD momentum must be in [0, 1), got -0.1", () -> new Sgd(-0.1, false, 0));
        assertMessage("SGD momentum must be in [0, 1), got NaN", () -> new Sgd(Double.NaN, false, 0));
        assertMessage("Nesterov momentum requires SGD momentum > 0, got momentum 0.0", () -> new Sgd(0, true, 0));
        assertMessage("SGD weight decay must be finite and >= 0, got -1.0E-4", () -> new Sgd(0.9, false, -1e-4));
        assertMessage("SGD weight decay must be finite and >= 0, got Infinity",
                () -> new Sgd(0.9, false, Double.POSITIVE_INFINITY));
    }

    @Test
    void rejectsInvalidRate() {
        Parameter p = parameter("w", new float[] {1, 2});
        Sgd sgd = new Sgd(0, false, 0);
        assertMessage("learning rate must be finite and >= 0, got -0.1", () -> sgd.step(List.of(p), -0.1));
        assertMessage("learning rate must be finite and >= 0, got NaN", () -> sgd.step(List.of(p), Double.NaN));
        assertEquals(0, sgd.steps());
    }
}
