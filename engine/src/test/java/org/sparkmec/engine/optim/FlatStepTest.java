package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.ParameterVector;

/**
 * {@link Optimizer#flatStep} on flat vectors, split into ranges that cross parameter and chunk boundaries
 * and updated in a shuffled order, in place or from one array into another, equals {@link Optimizer#step} on
 * the parameters' tensors bit for bit, for several steps, and keeps the same state and step count.
 */
class FlatStepTest extends WithParameters {
    private static final double[] RATES = {0.1, 0.05, 0.2};

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd", (java.util.function.Supplier<Optimizer>) () -> new Sgd(0, false, 0)),
                Arguments.of("sgd momentum nesterov decay", (java.util.function.Supplier<Optimizer>) () -> new Sgd(0.9, true, 0.01)),
                Arguments.of("adam", (java.util.function.Supplier<Optimizer>) () -> new Adam(0.9, 0.999, 1e-8, 0.01)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void equalsStepBitForBit(String name, java.util.function.Supplier<Optimizer> make) {
        int[] sizes = {7, SlotOptimizer.CHUNK + 3, 1, 2 * SlotOptimizer.CHUNK + 11, 5};
        List<Parameter> tensors = new ArrayList<>();
        List<Parameter> flatParams = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            float[] w0 = uniform(40 + i, sizes[i]);
            tensors.add(parameter("p" + i, w0));
            flatParams.add(parameter("p" + i, w0));
        }
        int n = ParameterVector.size(tensors);
        float[] flat = new float[n];
        ParameterVector.gatherValues(flatParams, flat);
        Optimizer serial = make.get();
        Optimizer sharded = make.get();
        SplittableRandom rnd = new SplittableRandom(5);
        for (int s = 0; s < RATES.length; s++) {
            float[] g = uniform(900 + s, n);
            ParameterVector.scatterGradients(tensors, g);
            serial.step(tensors, RATES[s]);

            Optimizer.FlatStep step = sharded.flatStep(flatParams, RATES[s]);
            List<int[]> ranges = new ArrayList<>();
            for (int at = 0; at < n; ) {
                int len = Math.min(n - at, 1 + rnd.nextInt(3 * SlotOptimizer.CHUNK));
                ranges.add(new int[] {at, len});
                at += len;
            }
            for (int i = ranges.size() - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int[] t = ranges.get(i);
                ranges.set(i, ranges.get(j));
                ranges.set(j, t);
            }
            // Gradients at another offset than the weights, as a caller's chunk buffer has them. Odd steps write
            // the new weights to another array (read at offset 5 of a copy, written at offset 0), as the driver does.
            boolean outOfPlace = s % 2 == 1;
            float[] source = new float[n + 5];
            System.arraycopy(flat, 0, source, 5, n);
            float[] target = outOfPlace ? new float[n] : flat;
            if (outOfPlace) {
                java.util.Arrays.fill(target, Float.NaN);
            }
            for (int[] r : ranges) {
                float[] chunk = new float[r[1] + 3];
                System.arraycopy(g, r[0], chunk, 3, r[1]);
                if (outOfPlace) {
                    step.update(source, r[0] + 5, target, r[0], chunk, 3, r[0], r[1]);
                } else {
                    step.update(flat, r[0], chunk, 3, r[0], r[1]);
                }
            }
            if (outOfPlace) {
                float[] before = new float[n + 5];
                System.arraycopy(flat, 0, before, 5, n);
                assertArrayEquals(before, source, name + " step " + (s + 1) + ": the source weights are only read");
                flat = target;
            }
            float[] expected = new float[n];
            ParameterVector.gatherValues(tensors, expected);
            assertArrayEquals(expected, flat, name + " step " + (s + 1) + (outOfPlace ? " (out of place)" : ""));
        }
        assertEquals(serial.steps(), sharded.steps());
        assertEquals(serial.state().slots().keySet(), sharded.state().slots().keySet());
        serial.state().slots().forEach((k, v) -> {
            for (int i = 0; i < v.length; i++) {
                assertArrayEquals(v[i], sharded.state().slots().get(k)[i], name + " state " + k);
            }
        });
        Optimizer.FlatStep step = sharded.flatStep(flatParams, 0.1);
        float[] weights = flat;
        String m = assertThrows(IndexOutOfBoundsException.class,
                () -> step.update(weights, 0, weights, 0, n - 2, 3)).getMessage();
        assertEquals("range [" + (n - 2) + ", " + (n + 1) + ") outside the " + n + " elements of the step's parameters", m);
    }

    /**
     * A loaded state replaces the one a previous flat step prepared for the same parameter list: the next step reads
     * the loaded velocities (as a fresh optimizer that loaded them does), not the arrays used before the load.
     */
    @Test
    void aLoadedStateReplacesThePreparedOne() {
        List<Parameter> params = List.of(parameter("p0", uniform(1, 9)), parameter("p1", uniform(2, 4)));
        int n = ParameterVector.size(params);
        Optimizer resumed = new Sgd(0.9, false, 0);
        flatSteps(resumed, params, uniform(3, n), 2, 10);
        Optimizer other = new Sgd(0.9, false, 0);
        flatSteps(other, params, uniform(4, n), 3, 20);
        resumed.load(other.state());
        Optimizer fresh = new Sgd(0.9, false, 0);
        fresh.load(other.state());

        float[] expected = flatSteps(fresh, params, uniform(5, n), 1, 30);
        assertArrayEquals(expected, flatSteps(resumed, params, uniform(5, n), 1, 30));
        assertArrayEquals(fresh.state().slots().get("p0")[0], resumed.state().slots().get("p0")[0]);
    }

    /** A loaded state that lacks a parameter of the list a previous flat step prepared is rejected at the next step. */
    @Test
    void aLoadedStateIsCheckedAgainstThePreparedParameters() {
        List<Parameter> params = List.of(parameter("p0", uniform(1, 9)), parameter("p1", uniform(2, 4)));
        Optimizer optimizer = new Sgd(0.9, false, 0);
        flatSteps(optimizer, params, uniform(3, 13), 1, 10);
        Optimizer other = new Sgd(0.9, false, 0);
        flatSteps(other, params.subList(0, 1), uniform(4, 9), 1, 20);
        optimizer.load(other.state());

        assertMessage("parameter p1 (4 elements) has no entry in the loaded optimizer state, which holds 1 parameters: "
                + "p0", () -> optimizer.flatStep(params, 0.1));
    }

    /**
     * Another parameter in the same list (replaced in place) or a list of other parameters under the same names is
     * checked again, not taken for the prepared one.
     */
    @Test
    void anotherParameterLayoutIsCheckedAgain() {
        List<Parameter> params = new ArrayList<>(List.of(parameter("p0", uniform(1, 9)), parameter("p1", uniform(2, 4))));
        Optimizer optimizer = new Sgd(0.9, false, 0);
        flatSteps(optimizer, params, uniform(3, 13), 2, 10);
        params.set(1, parameter("p1", uniform(6, 5)));
        assertMessage("parameter p1 has 5 elements but its optimizer state holds 4", () -> optimizer.flatStep(params, 0.1));
        List<Parameter> renamed = List.of(params.get(0), parameter("p0", uniform(7, 4)));
        assertMessage("two parameters named p0 in one step; names key the optimizer state and must be unique",
                () -> optimizer.flatStep(renamed, 0.1));
        assertEquals(2, optimizer.steps());
    }

    /**
     * {@code steps} flat steps of {@code optimizer} in place from {@code weights} (a copy), each with seeded gradients
     * (seeds from {@code gradientSeed}) at rate 0.1; returns the weights.
     */
    private static float[] flatSteps(Optimizer optimizer, List<Parameter> params, float[] weights, int steps,
                                     long gradientSeed) {
        float[] w = weights.clone();
        for (int s = 0; s < steps; s++) {
            optimizer.flatStep(params, 0.1).update(w, 0, uniform(gradientSeed + s, w.length), 0, 0, w.length);
        }
        return w;
    }
}
