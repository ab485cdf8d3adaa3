package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.nn.Parameter;

/**
 * Export and import of optimizer state, what checkpoint resume relies on: a resumed optimizer continues
 * bit-identically, and a state that does not fit the optimizer or the parameters is rejected with the
 * names and sizes involved.
 */
class OptimizerStateTest extends WithParameters {
    private static final String[] NAMES = {"conv1.weight", "conv1.bias", "fc.weight"};
    private static final int[] SIZES = {2 * SlotOptimizer.CHUNK + 3, 5, 33};
    private static final double[] RATES = {0.1, 0.08, 0.06, 0.05, 0.04, 0.03};

    static Stream<OptimizerSpec> specs() {
        return Stream.of(
                OptimizerSpec.defaults(OptimizerKind.SGD),
                OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9).withNesterov(true).withWeightDecay(5e-4),
                OptimizerSpec.defaults(OptimizerKind.ADAM),
                OptimizerSpec.defaults(OptimizerKind.ADAM).withWeightDecay(0.01).withBetas(0.8, 0.95));
    }

    private List<Parameter> parameters(long seed) {
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            params.add(parameter(NAMES[i], uniform(seed + i, SIZES[i])));
        }
        return params;
    }

    /** Sets the seeded gradients of step {@code s} (the same for any run at that step). */
    private static void gradients(List<Parameter> params, int s) {
        for (int i = 0; i < params.size(); i++) {
            params.get(i).gradient().copyFrom(uniform(1000L * s + i, SIZES[i]));
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void resumeIsBitIdentical(OptimizerSpec spec) throws Exception {
        int split = 2;
        Optimizer uninterrupted = spec.create();
        List<Parameter> reference = parameters(7);
        for (int s = 0; s < RATES.length; s++) {
            gradients(reference, s);
            uninterrupted.step(reference, RATES[s]);
        }

        Optimizer first = spec.create();
        List<Parameter> before = parameters(7);
        for (int s = 0; s < split; s++) {
            gradients(before, s);
            first.step(before, RATES[s]);
        }
        OptimizerState saved = roundTrip(first.state());
        assertEquals(first.state(), saved);
        assertEquals(split, saved.step());

        // A new process: fresh tensors holding the checkpointed weights, a fresh optimizer.
        Optimizer resumed = spec.create();
        resumed.load(saved);
        assertEquals(split, resumed.steps());
        List<Parameter> after = new ArrayList<>();
        for (Parameter p : before) {
            after.add(parameter(p.name(), p.value().toArray()));
        }
        for (int s = split; s < RATES.length; s++) {
            gradients(after, s);
            resumed.step(after, RATES[s]);
        }

        for (int i = 0; i < NAMES.length; i++) {
            assertArrayEquals(reference.get(i).value().toArray(), after.get(i).value().toArray(), NAMES[i]);
        }
        assertEquals(uninterrupted.state(), resumed.state());
        assertEquals(RATES.length, resumed.steps());
    }

    @Test
    void stateIsASnapshotOrderedByName() {
        Optimizer adam = new Adam();
        List<Parameter> params = parameters(9);
        gradients(params, 0);
        adam.step(params, 0.1);
        OptimizerState state = adam.state();
        assertEquals(List.of("conv1.bias", "conv1.weight", "fc.weight"), new ArrayList<>(state.slots().keySet()));
        assertEquals(OptimizerKind.ADAM, state.kind());
        assertEquals(2, state.slotsPerParameter());
        assertEquals(5, state.parameterSize("conv1.bias"));
        assertEquals(-1, state.parameterSize("fc.bias"));
        assertEquals(2L * (SIZES[0] + SIZES[1] + SIZES[2]), state.numFloats());
        float[] m = state.slots().get("conv1.bias")[0].clone();

        gradients(params, 1);
        adam.step(params, 0.1);
        assertArrayEquals(m, state.slots().get("conv1.bias")[0], "a later step changed an exported state");

        // Loading copies too: changing the snapshot afterwards does not reach the optimizer.
        Optimizer loaded = new Adam();
        loaded.load(state);
        state.slots().get("conv1.bias")[0][0] += 1;
        assertEquals(m[0], loaded.state().slots().get("conv1.bias")[0][0]);
    }

    @Test
    void plainSgdKeepsOnlyTheStepCount() {
        Optimizer sgd = new Sgd(0, false, 0);
        List<Parameter> params = parameters(10);
        gradients(params, 0);
        sgd.step(params, 0.1);
        OptimizerState state = sgd.state();
        assertEquals(new OptimizerState(OptimizerKind.SGD, 0, 1, Map.of()), state);
        Optimizer other = new Sgd(0, false, 0.1);
        other.load(state);
        assertEquals(1, other.steps());
        other.step(params.subList(0, 1), 0.1);
    }

    @Test
    void rejectsOtherKind() {
        Optimizer adam = new Adam();
        List<Parameter> params = parameters(11);
        gradients(params, 0);
        adam.step(params, 0.1);
        assertMessage("cannot load adam optimizer state into sgd(momentum 0.9, weight decay 0.0)",
                () -> new Sgd(0.9, false, 0).load(adam.state()));
    }

    @Test
    void rejectsOtherNumberOfArrays() {
        assertMessage("cannot load optimizer state with 0 arrays per parameter into sgd(momentum 0.9, weight decay 0.0), "
                        + "which keeps 1 (was the checkpoint written with other settings?)",
                () -> new Sgd(0.9, false, 0).load(new OptimizerState(OptimizerKind.SGD, 0, 3, Map.of())));
    }

    private Optimizer loadedMomentumSgd(List<Parameter> params) {
        Optimizer sgd = new Sgd(0.9, false, 0);
        gradients(params, 0);
        sgd.step(params, 0.1);
        Optimizer resumed = new Sgd(0.9, false, 0);
        resumed.load(sgd.state());
        return resumed;
    }

    @Test
    void rejectsOtherSizeAndChangesNothing() {
        Optimizer resumed = loadedMomentumSgd(parameters(12));
        List<Parameter> params = new ArrayList<>(parameters(13));
        params.set(1, parameter("conv1.bias", uniform(14, 6)));
        float[] weight = params.get(0).value().toArray();
        OptimizerState before = resumed.state();
        assertMessage("parameter conv1.bias has 6 elements but its loaded optimizer state holds 5",
                () -> resumed.step(params, 0.1));
        assertArrayEquals(weight, params.get(0).value().toArray(), "a rejected step wrote a weight");
        assertEquals(before, resumed.state());
    }

    @Test
    void rejectsParameterMissingFromState() {
        Optimizer resumed = loadedMomentumSgd(parameters(15));
        List<Parameter> params = new ArrayList<>(parameters(16));
        params.add(parameter("fc.bias", new float[10]));
        assertMessage("parameter fc.bias (10 elements) has no entry in the loaded optimizer state, which holds "
                + "3 parameters: conv1.bias, conv1.weight, fc.weight", () -> resumed.step(params, 0.1));
    }

    @Test
    void rejectsStateOfAbsentParameter() {
        Optimizer resumed = loadedMomentumSgd(parameters(17));
        List<Parameter> params = parameters(18);
        assertMessage("the loaded optimizer state holds 2 parameters that are not among the 1 parameters of this "
                + "step: conv1.weight (" + SIZES[0] + " elements), fc.weight (33 elements)",
                () -> resumed.step(List.of(params.get(1)), 0.1));
        // The check applies to the first step after the load only; once passed, subsets are fine.
        resumed.step(params, 0.1);
        resumed.step(List.of(params.get(1)), 0.1);
        assertEquals(3, resumed.steps());
    }

    @Test
    void rejectsSizeChangeWithoutLoad() {
        Optimizer adam = new Adam();
        Parameter small = parameter("w", new float[3]);
        adam.step(List.of(small), 0.1);
        Parameter large = parameter("w", new float[4]);
        assertMessage("parameter w has 4 elements but its optimizer state holds 3", () -> adam.step(List.of(large), 0.1));
    }

    @Test
    void rejectsDuplicateNames() {
        Parameter a = parameter("w", new float[3]);
        Parameter b = parameter("w", new float[3]);
        assertMessage("two parameters named w in one step; names key the optimizer state and must be unique",
                () -> new Sgd(0, false, 0).step(List.of(a, b), 0.1));
    }

    @Test
    void rejectsClosedTensorBeforeWriting() {
        Parameter open = parameter("a", new float[] {1, 2});
        Parameter closed = parameter("b", new float[] {3});
        open.gradient().copyFrom(new float[] {1, 1});
        closed.gradient().close();
        Adam adam = new Adam();
        assertThrows(IllegalStateException.class, () -> adam.step(List.of(open, closed), 0.1));
        assertArrayEquals(new float[] {1, 2}, open.value().toArray());
        assertEquals(0, adam.steps());
        assertEquals(Map.of(), adam.state().slots());
    }

    @Test
    void stateValidatesItsArrays() {
        Map<String, float[][]> unequal = new TreeMap<>(Map.of("w", new float[][] {new float[3], new float[4]}));
        assertMessage("state array 1 of parameter w holds 4 values but array 0 holds 3; all arrays of a parameter "
                + "have its size", () -> new OptimizerState(OptimizerKind.ADAM, 2, 1, unequal));
        assertMessage("state of parameter w holds 1 arrays, expected 2 (slots per parameter)",
                () -> new OptimizerState(OptimizerKind.ADAM, 2, 1, Map.of("w", new float[][] {new float[3]})));
        assertMessage("step count must be >= 0, got -1", () -> new OptimizerState(OptimizerKind.SGD, 0, -1, Map.of()));
    }

    @Test
    void equalityComparesContents() {
        OptimizerState a = new OptimizerState(OptimizerKind.SGD, 1, 4, Map.of("w", new float[][] {{1, 2}}));
        OptimizerState b = new OptimizerState(OptimizerKind.SGD, 1, 4, Map.of("w", new float[][] {{1, 2}}));
        OptimizerState c = new OptimizerState(OptimizerKind.SGD, 1, 4, Map.of("w", new float[][] {{1, 3}}));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
        assertEquals("OptimizerState[sgd, step 4, 1 parameters x 1 arrays, 2 floats]", a.toString());
    }

    private static OptimizerState roundTrip(OptimizerState state) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (OptimizerState) in.readObject();
        }
    }
}
