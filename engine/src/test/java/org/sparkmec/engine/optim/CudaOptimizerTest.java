package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.Gpu;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The optimizers' GPU kernels against the host optimizers: the same parameters and gradients stepped on
 * the CPU backend (heap arithmetic) and with {@link Optimizer#step(Backend, List, double)} on the GPU give
 * the same weights and state <b>bit for bit</b> (tolerance 0: the kernels evaluate the same double
 * expressions without fused multiply-adds), over several steps, parameter sizes that are not multiples of
 * a block, and state moved between the device and the heap in both directions.
 */
@Tag("gpu")
class CudaOptimizerTest extends WithParameters {
    private static final int[] SIZES = {1, 7, 300, 70_001};
    private static final int STEPS = 5;
    private static CudaBackend gpu;

    /** The host side: {@link WithParameters}'s CPU backend. */
    private static Backend cpu;

    @BeforeAll
    static void openGpu() {
        cpu = backend;
        gpu = Gpu.openOrSkip();
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd", (Supplier<Optimizer>) () -> new Sgd(0, false, 0)),
                Arguments.of("sgd weight decay", (Supplier<Optimizer>) () -> new Sgd(0, false, 1e-3)),
                Arguments.of("sgd momentum", (Supplier<Optimizer>) () -> new Sgd(0.9, false, 0)),
                Arguments.of("sgd nesterov weight decay", (Supplier<Optimizer>) () -> new Sgd(0.9, true, 5e-4)),
                Arguments.of("adam", (Supplier<Optimizer>) Adam::new),
                Arguments.of("adam weight decay", (Supplier<Optimizer>) () -> new Adam(0.8, 0.99, 1e-6, 1e-2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void gpuStepsEqualHostStepsBitForBit(String name, Supplier<Optimizer> create) {
        Optimizer host = create.get();
        Optimizer device = create.get();
        List<Parameter> onCpu = parameters(cpu, 0);
        List<Parameter> onGpu = parameters(gpu, 0);
        try {
            for (int t = 1; t <= STEPS; t++) {
                setGradients(onCpu, t);
                setGradients(onGpu, t);
                double rate = 0.05 / t;
                host.step(cpu, onCpu, rate);
                device.step(gpu, onGpu, rate);
                assertSameValues(onCpu, onGpu, name + ", step " + t);
            }
            assertEquals(host.state(), device.state(), name + ": the state read back from the GPU");
            // State moves: device -> heap (a host step), heap -> device (a device step), as released.
            setGradients(onCpu, 11);
            setGradients(onGpu, 11);
            host.step(onCpu, 0.01);
            device.step(onGpu, 0.01);
            assertSameValues(onCpu, onGpu, name + ", host step after GPU steps");
            setGradients(onCpu, 12);
            setGradients(onGpu, 12);
            host.step(cpu, onCpu, 0.02);
            device.step(gpu, onGpu, 0.02);
            assertSameValues(onCpu, onGpu, name + ", GPU step after a host step");
            device.releaseDeviceState();
            device.releaseDeviceState();
            assertEquals(host.state(), device.state(), name + ": the state after releaseDeviceState");
            assertEquals(host.steps(), device.steps());
        } finally {
            device.releaseDeviceState();
            closeAll(onCpu);
            closeAll(onGpu);
        }
    }

    @Test
    void loadedStateContinuesOnTheGpu() {
        Optimizer host = new Adam();
        Optimizer device = new Adam();
        List<Parameter> onCpu = parameters(cpu, 0);
        List<Parameter> onGpu = parameters(gpu, 0);
        try {
            setGradients(onCpu, 1);
            host.step(onCpu, 0.01);
            device.load(host.state());
            copyValues(onCpu, onGpu);
            setGradients(onCpu, 2);
            setGradients(onGpu, 2);
            host.step(onCpu, 0.01);
            device.step(gpu, onGpu, 0.01);
            assertSameValues(onCpu, onGpu, "a loaded state stepped on the GPU");
            assertEquals(host.state(), device.state());
        } finally {
            device.releaseDeviceState();
            closeAll(onCpu);
            closeAll(onGpu);
        }
    }

    @Test
    void aRejectedGpuStepChangesNothing() {
        Optimizer device = new Sgd(0.9, false, 0);
        List<Parameter> onGpu = parameters(gpu, 0);
        try {
            setGradients(onGpu, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.step(gpu, onGpu, -1));
            assertEquals("learning rate must be finite and >= 0, got -1.0", e.getMessage());
            assertEquals(0, device.steps());
            assertEquals(0, device.state().slots().size());
        } finally {
            device.releaseDeviceState();
            closeAll(onGpu);
        }
    }

    /**
     * A flat step after a GPU step reads the state that step left on the device (moved back to the heap), not the
     * heap arrays that an earlier flat step of the same parameters prepared: the weights and state equal those of
     * flat steps only, bit for bit.
     */
    @Test
    void aFlatStepAfterAGpuStepReadsTheStateTheGpuLeft() {
        Optimizer flatOnly = new Sgd(0.9, false, 0);
        Optimizer mixed = new Sgd(0.9, false, 0);
        List<Parameter> onCpu = parameters(cpu, 0);
        List<Parameter> onGpu = parameters(gpu, 0);
        try {
            int n = ParameterVector.size(onCpu);
            float[] expected = new float[n];
            ParameterVector.gatherValues(onCpu, expected);
            float[] actual = expected.clone();
            for (int t = 1; t <= 3; t++) {
                float[] g = WithParameters.uniform(100 + t, n);
                flatOnly.flatStep(onCpu, 0.05).update(expected, 0, g, 0, 0, n);
                if (t == 2) {
                    ParameterVector.scatterValues(onGpu, actual);
                    ParameterVector.scatterGradients(onGpu, g);
                    mixed.step(gpu, onGpu, 0.05);
                    ParameterVector.gatherValues(onGpu, actual);
                } else {
                    mixed.flatStep(onCpu, 0.05).update(actual, 0, g, 0, 0, n);
                }
            }
            assertArrayEquals(bits(expected), bits(actual), "flat, GPU, flat against three flat steps");
            assertEquals(flatOnly.state(), mixed.state());
        } finally {
            mixed.releaseDeviceState();
            closeAll(onCpu);
            closeAll(onGpu);
        }
    }

    private static List<Parameter> parameters(Backend backend, long seed) {
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            float[] w = WithParameters.uniform(seed + i, SIZES[i]);
            params.add(new Parameter("p" + i, Tensor.of(backend, Layout.VECTOR, w, w.length),
                    Tensor.zeros(backend, Layout.VECTOR, w.length)));
        }
        return params;
    }

    /** Gradients of step {@code t}: seeded, with a few exact zeros and large values. */
    private static void setGradients(List<Parameter> params, int t) {
        for (int i = 0; i < params.size(); i++) {
            float[] g = WithParameters.uniform(1000L * t + i, (int) params.get(i).numElements());
            for (int k = 0; k < g.length; k += 97) {
                g[k] = k % 2 == 0 ? 0f : g[k] * 1e4f;
            }
            params.get(i).gradient().storage().copyFrom(g, 0, 0, g.length);
        }
    }

    private static void copyValues(List<Parameter> from, List<Parameter> to) {
        for (int i = 0; i < from.size(); i++) {
            float[] w = new float[(int) from.get(i).numElements()];
            from.get(i).value().storage().copyTo(0, w, 0, w.length);
            to.get(i).value().storage().copyFrom(w, 0, 0, w.length);
        }
    }

    private static void assertSameValues(List<Parameter> expected, List<Parameter> actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            int n = (int) expected.get(i).numElements();
            float[] e = new float[n];
            float[] a = new float[n];
            expected.get(i).value().storage().copyTo(0, e, 0, n);
            actual.get(i).value().storage().copyTo(0, a, 0, n);
            assertArrayEquals(bits(e), bits(a), what + ", parameter " + expected.get(i).name());
        }
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static void closeAll(List<Parameter> params) {
        for (Parameter p : params) {
            p.value().close();
            p.gradient().close();
        }
    }
}
