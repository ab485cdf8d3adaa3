package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Every algorithm and code path against the double-precision direct reference, forward and backward,
 * on awkward shapes, under both GEMM parallelism modes.
 *
 * <p>Tolerance: {@code |a - b| <= atol + rtol*|b|} with {@code rtol = 1e-4} and
 * {@code atol = 1e-6 * terms}, terms being the number of products summed into one element (float32
 * accumulation against a double reference; inputs uniform in [-1, 1]).
 */
class ConvolutionTest {
    private static CpuBackend tasks;
    private static CpuBackend blas;

    @BeforeAll
    static void start() {
        tasks = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
        blas = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS));
    }

    @AfterAll
    static void stop() {
        tasks.close();
        blas.close();
    }

    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w) */
    static List<ConvGeometry> awkwardShapes() {
        return List.of(
                new ConvGeometry(1, 7, 9, 3, 3, 3, 4, 1, 1, 0, 0),
                new ConvGeometry(3, 7, 9, 1, 5, 3, 2, 2, 1, 1, 0),
                new ConvGeometry(3, 9, 7, 17, 3, 3, 5, 3, 2, 2, 1),
                new ConvGeometry(1, 11, 13, 3, 11, 11, 2, 4, 4, 0, 0),
                new ConvGeometry(3, 12, 12, 3, 11, 11, 3, 4, 3, 2, 2),
                new ConvGeometry(2, 7, 9, 17, 1, 1, 6, 1, 1, 0, 0),
                new ConvGeometry(3, 5, 6, 33, 1, 1, 9, 1, 1, 0, 0),
                new ConvGeometry(3, 8, 10, 3, 1, 1, 4, 2, 3, 1, 1),
                new ConvGeometry(1, 5, 5, 3, 5, 3, 3, 1, 4, 2, 1),
                new ConvGeometry(3, 10, 10, 17, 3, 3, 8, 4, 4, 2, 2),
                new ConvGeometry(3, 6, 7, 2, 3, 5, 3, 1, 2, 0, 2),
                new ConvGeometry(1, 9, 7, 1, 1, 1, 1, 3, 1, 0, 2),
                new ConvGeometry(3, 13, 9, 3, 5, 3, 7, 2, 4, 1, 1),
                // kernel rows of 256 floats, 5 outputs, overlapping windows: the CPU's fused forward in input-row order
                new ConvGeometry(3, 6, 5, 128, 3, 2, 5, 1, 1, 1, 0));
    }

    record Variant(String name, CpuBackend backend, ConvAlgorithm algorithm, MecSolution solution) {
        Convolution create(Conv2dParams params) {
            return Convolutions.create(algorithm, backend, params, new MecOptions(100, solution));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<Variant> variants = new ArrayList<>();
        for (CpuBackend b : new CpuBackend[] {tasks, blas}) {
            String mode = b == tasks ? "tasks" : "blas";
            variants.add(new Variant("mec-A/" + mode, b, ConvAlgorithm.MEC, MecSolution.A));
            variants.add(new Variant("mec-B/" + mode, b, ConvAlgorithm.MEC, MecSolution.B));
            variants.add(new Variant("mec-fused/" + mode, b, ConvAlgorithm.MEC, MecSolution.FUSED));
            variants.add(new Variant("mec-auto/" + mode, b, ConvAlgorithm.MEC, MecSolution.AUTO));
            variants.add(new Variant("im2col/" + mode, b, ConvAlgorithm.IM2COL, MecSolution.AUTO));
        }
        List<Arguments> out = new ArrayList<>();
        for (ConvGeometry g : awkwardShapes()) {
            for (Variant v : variants) {
                out.add(Arguments.of(v, g));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardAndBackwardMatchDirectReference(Variant variant, ConvGeometry g) {
        ConvStats fwd = assertMatchesDirectReference(variant.backend(), variant.create(g.params()), variant.toString(), g,
                g.hashCode());
        if (variant.algorithm() == ConvAlgorithm.MEC) {
            assertEquals(expectedPath(variant.solution(), g).name(), fwd.path());
        }
    }

    /** The path MEC takes on the CPU backend (which has fused window kernels): forced, else pointwise for 1x1/1/0, else fused. */
    static MecSolution expectedPath(MecSolution requested, ConvGeometry g) {
        if (requested != MecSolution.AUTO) {
            return requested;
        }
        return MecConvolution.isPointwise(g) ? MecSolution.POINTWISE : MecSolution.FUSED;
    }

    @Test
    void pointwiseRunsWithoutWorkspaceAndIsRefusedElsewhere() {
        ConvGeometry pointwise = new ConvGeometry(3, 5, 6, 33, 1, 1, 9, 1, 1, 0, 0);
        MecConvolution forced = new MecConvolution(tasks, pointwise.params(), new MecOptions(100, MecSolution.POINTWISE));
        ConvStats fwd = assertMatchesDirectReference(tasks, forced, "mec-pointwise", pointwise, 11);
        assertEquals(0, fwd.workspaceBytes());
        assertEquals(0, forced.backwardWorkspaceBytes(pointwise));

        ConvGeometry strided = new ConvGeometry(1, 5, 6, 3, 1, 1, 2, 2, 2, 0, 0);
        MecConvolution wrong = new MecConvolution(tasks, strided.params(), new MecOptions(100, MecSolution.POINTWISE));
        try (Tensor input = Tensor.zeros(tasks, Layout.NHWC, strided.inputDims());
             Tensor kernel = Tensor.zeros(tasks, Layout.HWIO, strided.kernelDims());
             Tensor out = Tensor.zeros(tasks, Layout.NHWC, strided.outputDims())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.forward(input, kernel, null, out));
            assertTrue(e.getMessage().startsWith("MEC solution pointwise needs a 1x1 kernel with stride 1 and no padding, got conv[n=1"),
                    e.getMessage());
        }
    }

    @Test
    void fusedIsRefusedOnABackendWithoutFusedKernels() {
        Backend withoutFused = new Backend() {
            @Override public BackendKind kind() { return tasks.kind(); }
            @Override public String description() { return "the CPU backend less its fused kernels"; }
            @Override public void gemm(GemmPlan plan) { tasks.gemm(plan); }
            @Override public ConvKernels kernels() { return tasks.kernels(); }
            @Override public NnKernels nnKernels() { return tasks.nnKernels(); }
            @Override public FloatStorage allocate(long length) { return tasks.allocate(length); }
            @Override public MemoryTracker memoryTracker() { return tasks.memoryTracker(); }
            @Override public void close() { }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MecConvolution(withoutFused,
                new Conv2dParams(1, 1, 0, 0), new MecOptions(100, MecSolution.FUSED)));
        assertEquals("MEC solution fused needs a backend with fused window kernels; the CPU backend has none (use auto, a or b)",
                e.getMessage());
    }

    /**
     * Runs {@code conv} forward and backward on seeded tensors of {@code backend} and asserts outputs and
     * all three gradients equal the direct reference (tolerances in the class comment), the measured
     * workspace equals the formulas, and no bytes stay live. Returns the forward call's statistics.
     */
    static ConvStats assertMatchesDirectReference(Backend backend, Convolution conv, String name, ConvGeometry g, long seed) {
        Convolution direct = new DirectConvolution(g.params());
        long liveBefore = backend.memoryTracker().liveBytes();
        ConvStats fwd;
        try (Tensor input = random(backend, Layout.NHWC, seed, g.inputDims());
             Tensor kernel = random(backend, Layout.HWIO, seed + 1, g.kernelDims());
             Tensor bias = random(backend, Layout.VECTOR, seed + 2, g.outC());
             Tensor gradOut = random(backend, Layout.NHWC, seed + 3, g.outputDims());
             Tensor out = random(backend, Layout.NHWC, seed + 7, g.outputDims());
             Tensor expectedOut = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor dIn = random(backend, Layout.NHWC, seed + 4, g.inputDims());
             Tensor dK = random(backend, Layout.HWIO, seed + 5, g.kernelDims());
             Tensor dB = random(backend, Layout.VECTOR, seed + 6, g.outC());
             Tensor expDIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor expDK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor expDB = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {
            fwd = conv.forward(input, kernel, bias, out);
            direct.forward(input, kernel, bias, expectedOut);
            assertAllClose("forward " + name + " " + g, expectedOut.toArray(), out.toArray(), 1e-6 * g.kernelRows(), 1e-4);
            assertEquals(conv.forwardWorkspaceBytes(g), fwd.workspaceBytes(), "forward workspace measured vs formula");

            ConvStats bwd = conv.backward(input, kernel, gradOut, dIn, dK, dB);
            direct.backward(input, kernel, gradOut, expDIn, expDK, expDB);
            int kernelTerms = g.batch() * g.outH() * g.outW();
            assertAllClose("gradInput " + name + " " + g, expDIn.toArray(), dIn.toArray(),
                    1e-6 * g.kernelRows() * g.outC(), 1e-4);
            assertAllClose("gradKernel " + name + " " + g, expDK.toArray(), dK.toArray(), 1e-6 * kernelTerms, 1e-4);
            assertAllClose("gradBias " + name + " " + g, expDB.toArray(), dB.toArray(), 1e-6 * kernelTerms, 1e-4);
            assertEquals(conv.backwardWorkspaceBytes(g), bwd.workspaceBytes(), "backward workspace measured vs formula");
        }
        assertEquals(liveBefore, backend.memoryTracker().liveBytes(), "bytes left live by the calls");
        return fwd;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void partialGradientsMatchFullBackward(Variant variant, ConvGeometry g) {
        CpuBackend backend = variant.backend();
        Convolution conv = variant.create(g.params());
        long seed = 31L * g.hashCode();
        try (Tensor input = random(backend, Layout.NHWC, seed, g.inputDims());
             Tensor kernel = random(backend, Layout.HWIO, seed + 1, g.kernelDims());
             Tensor gradOut = random(backend, Layout.NHWC, seed + 3, g.outputDims());
             Tensor dIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor dK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor dInOnly = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor dKOnly = Tensor.zeros(backend, Layout.HWIO, g.kernelDims())) {
            conv.backward(input, kernel, gradOut, dIn, dK, null);
            ConvStats inputOnly = conv.backward(input, kernel, gradOut, dInOnly, null, null);
            conv.backward(input, kernel, gradOut, null, dKOnly, null);
            assertAllClose("gradInput alone", dIn.toArray(), dInOnly.toArray(), 0, 0);
            assertAllClose("gradKernel alone", dK.toArray(), dKOnly.toArray(), 0, 0);
            assertEquals(conv.backwardWorkspaceBytes(g), inputOnly.workspaceBytes(),
                    "the input gradient alone needs the same workspace as all three");
        }
    }

    /** Solution B lowers and multiplies in chunks of images; one image per chunk must give the same result. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("awkwardShapes")
    void solutionBInOneImageChunksMatchesReference(ConvGeometry g) {
        MecConvolution chunked = new MecConvolution(tasks, g.params(), new MecOptions(100, MecSolution.B), 1);
        assertEquals(1, chunked.imagesPerChunk(g));
        Convolution direct = new DirectConvolution(g.params());
        try (Tensor input = random(tasks, Layout.NHWC, 7, g.inputDims());
             Tensor kernel = random(tasks, Layout.HWIO, 8, g.kernelDims());
             Tensor bias = random(tasks, Layout.VECTOR, 9, g.outC());
             Tensor out = Tensor.zeros(tasks, Layout.NHWC, g.outputDims());
             Tensor expected = Tensor.zeros(tasks, Layout.NHWC, g.outputDims())) {
            chunked.forward(input, kernel, bias, out);
            direct.forward(input, kernel, bias, expected);
            assertAllClose("chunked B " + g, expected.toArray(), out.toArray(), 1e-6 * g.kernelRows(), 1e-4);
        }
    }
}
