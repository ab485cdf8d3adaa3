package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Workspace sizes: the formulas of {@link MecConvolution} and {@link Im2colConvolution} against the
 * paper's layer table (computed from shapes only; the big layers are never run), MEC's choice of
 * solution, and on small shapes the formulas against what the calls measure and allocate.
 */
class WorkspaceFormulaTest extends WithCpuBackend {
    private static final int BATCH = 32;
    private static final int THRESHOLD = 100;

    /**
     * Lowered-matrix sizes per image in floats and the solution chosen at batch 32 with T = 100, as
     * tabulated for the paper's benchmark layers (README, "Why MEC"; solution A for cv1, cv2, cv5, cv6,
     * cv9-cv12 and B for cv3, cv4, cv7, cv8): a layer benchmark reporting memory must match these exactly.
     */
    private record PaperRow(String name, long im2colFloats, long mecFloats, MecSolution solution) {
    }

    private static final List<PaperRow> PAPER_TABLE = List.of(
            new PaperRow("cv1", 1_098_075, 412_005, MecSolution.A),
            new PaperRow("cv2", 1_138_368, 426_888, MecSolution.A),
            new PaperRow("cv3", 1_811_187, 529_137, MecSolution.B),
            new PaperRow("cv4", 37_258_816, 10_938_368, MecSolution.B),
            new PaperRow("cv5", 960_000, 230_400, MecSolution.A),
            new PaperRow("cv6", 230_400, 92_160, MecSolution.A),
            new PaperRow("cv7", 1_330_668, 447_552, MecSolution.B),
            new PaperRow("cv8", 6_969_600, 2_365_440, MecSolution.B),
            new PaperRow("cv9", 1_679_616, 580_608, MecSolution.A),
            new PaperRow("cv10", 778_752, 279_552, MecSolution.A),
            new PaperRow("cv11", 331_776, 129_024, MecSolution.A),
            new PaperRow("cv12", 115_200, 53_760, MecSolution.A));


    /** The layers of {@code conf/layers/cv.layers} (Surefire runs in the module folder). */
    private static List<BenchLayer> paperLayers() throws IOException {
        return LayerSetFile.read(Path.of("..", "conf", "layers", "cv.layers")).all();
    }

    static Stream<Arguments> paperLayersWithTable() throws IOException {
        List<BenchLayer> layers = paperLayers();
        assertEquals(PAPER_TABLE.stream().map(PaperRow::name).toList(), layers.stream().map(BenchLayer::name).toList(),
                "the layer file and the document's table list the same layers");
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(Arguments.of(layers.get(i).name(), layers.get(i), PAPER_TABLE.get(i)));
        }
        return out.stream();
    }

    private static MecConvolution autoMec(ConvGeometry g) {
        return new MecConvolution(backend, g.params(), new MecOptions(THRESHOLD, MecSolution.AUTO));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paperLayersWithTable")
    void forwardWorkspaceMatchesThePaperTable(String name, BenchLayer layer, PaperRow row) {
        ConvGeometry g = layer.atBatch(BATCH);
        assertEquals(row.mecFloats() * Float.BYTES * BATCH, autoMec(g).forwardWorkspaceBytes(g), name + " MEC");
        assertEquals(row.im2colFloats() * Float.BYTES * BATCH,
                new Im2colConvolution(backend, g.params()).forwardWorkspaceBytes(g), name + " im2col");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paperLayersWithTable")
    void solutionChoiceAtThresholdHundredMatchesThePaper(String name, BenchLayer layer, PaperRow row) {
        ConvGeometry g = layer.atBatch(BATCH);
        assertEquals(row.solution(), new MecOptions(THRESHOLD, MecSolution.AUTO).resolve(g), name);
        // On the CPU backend, which has fused window kernels, AUTO runs them instead of A or B.
        assertEquals(MecSolution.FUSED, autoMec(g).solutionFor(g), name + " on the CPU backend");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paperLayersWithTable")
    void im2colNeedsTwoToFourTimesMecsWorkspace(String name, BenchLayer layer, PaperRow row) {
        ConvGeometry g = layer.atBatch(BATCH);
        double ratio = (double) new Im2colConvolution(backend, g.params()).forwardWorkspaceBytes(g)
                / autoMec(g).forwardWorkspaceBytes(g);
        assertTrue(ratio >= 2.1 && ratio <= 4.2, name + ": im2col/MEC workspace ratio " + ratio + " outside [2.1, 4.2]");
    }

    @Test
    void autoSolutionFollowsThresholdAndOutputSize() {
        // o_w = 7, |O| = 2*7*7*2 = 196 <= |L| = 2*7*9*3*3 = 1134.
        ConvGeometry small = new ConvGeometry(2, 7, 9, 3, 3, 3, 2, 1, 1, 1, 0);
        assertEquals(MecSolution.A, new MecOptions(7, MecSolution.AUTO).resolve(small));
        assertEquals(MecSolution.B, new MecOptions(6, MecSolution.AUTO).resolve(small), "o_w > T");
        // 1x1 kernel, many output channels: |O| = 2*7*9*8 > |L| = 2*9*7*1*1, so B whatever T.
        ConvGeometry wideOutput = new ConvGeometry(2, 7, 9, 1, 1, 1, 8, 1, 1, 0, 0);
        assertEquals(MecSolution.B, new MecOptions(1000, MecSolution.AUTO).resolve(wideOutput), "|O| > |L|");
        assertEquals(MecSolution.A, new MecOptions(1, MecSolution.A).resolve(wideOutput), "forced A");
        assertEquals(MecSolution.B, new MecOptions(1000, MecSolution.B).resolve(small), "forced B");
    }

    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w) */
    static List<ConvGeometry> smallShapes() {
        return List.of(
                new ConvGeometry(3, 7, 9, 3, 3, 3, 4, 1, 1, 1, 1),
                // 1x1, stride 1, no padding: im2col allocates nothing; |O| > |L|: forced A needs scratch.
                new ConvGeometry(2, 7, 9, 1, 1, 1, 4, 1, 1, 0, 0),
                new ConvGeometry(3, 9, 7, 2, 5, 3, 3, 2, 1, 2, 0),
                // Kernel as large as the input: one output pixel per image.
                new ConvGeometry(1, 5, 5, 3, 5, 5, 2, 1, 1, 0, 0));
    }

    /** Algorithm variants of the measured-workspace tests. */
    static List<Supplier<Convolution>> variants(ConvGeometry g) {
        Conv2dParams p = g.params();
        return List.of(
                () -> new MecConvolution(backend, p, new MecOptions(THRESHOLD, MecSolution.A)),
                () -> new MecConvolution(backend, p, new MecOptions(THRESHOLD, MecSolution.B)),
                () -> new MecConvolution(backend, p, new MecOptions(THRESHOLD, MecSolution.AUTO)),
                () -> new Im2colConvolution(backend, p),
                () -> new DirectConvolution(p));
    }

    static Stream<Arguments> smallCases() {
        List<Arguments> out = new ArrayList<>();
        for (ConvGeometry g : smallShapes()) {
            for (Supplier<Convolution> v : variants(g)) {
                Convolution conv = v.get();
                String name = conv.algorithm().configName()
                        + (conv instanceof MecConvolution mec ? "-" + mec.options().solution() : "");
                out.add(Arguments.of(name, g, conv));
            }
        }
        return out.stream();
    }

    /**
     * Measured workspace equals the formula; the tracker's peak during the call covers it; the call
     * allocates nothing beyond it; and every workspace buffer is freed when the call returns.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("smallCases")
    void measuredWorkspaceEqualsFormulaAndTracker(String name, ConvGeometry g, Convolution conv) {
        MemoryTracker tracker = backend.memoryTracker();
        try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
             Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
             Tensor bias = random(backend, Layout.VECTOR, 3, g.outC());
             Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
             Tensor gradOutput = random(backend, Layout.NHWC, 4, g.outputDims());
             Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
             Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
             Tensor gradBias = Tensor.zeros(backend, Layout.VECTOR, g.outC())) {

            Measured fwd = measure(tracker, () -> conv.forward(input, kernel, bias, output));
            assertEquals(conv.forwardWorkspaceBytes(g), fwd.stats.workspaceBytes(), "forward: measured vs formula");
            fwd.assertConsistent("forward");

            Measured bwd = measure(tracker,
                    () -> conv.backward(input, kernel, gradOutput, gradInput, gradKernel, gradBias));
            assertEquals(conv.backwardWorkspaceBytes(g), bwd.stats.workspaceBytes(), "backward: measured vs formula");
            bwd.assertConsistent("backward");
        }
    }

    /** The parts of MEC's workspace, as its Javadoc states them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("smallShapes")
    void mecWorkspacePartsFollowTheDocumentedLayout(ConvGeometry g) {
        long lowered = g.mecLoweredElements() * Float.BYTES;
        long out = g.outputElements() * Float.BYTES;
        for (MecSolution s : new MecSolution[] {MecSolution.A, MecSolution.B}) {
            MecConvolution mec = new MecConvolution(backend, g.params(), new MecOptions(THRESHOLD, s));
            try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                 Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                 Tensor output = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                 Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                 Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, g.kernelDims())) {
                ConvStats fwd = mec.forward(input, kernel, null, output);
                assertEquals(s.name(), fwd.path());
                assertEquals(lowered, fwd.loweredBytes(), s + " forward L");
                assertEquals(s == MecSolution.A && out > lowered ? out : 0, fwd.permutationScratchBytes(),
                        s + " forward scratch: only when A cannot permute through L's buffer");
                assertEquals(0, fwd.loweredGradientBytes());

                ConvStats bwd = mec.backward(input, kernel, output, gradInput, gradKernel, null);
                assertEquals(lowered, bwd.loweredBytes(), s + " backward L (reused as dL)");
                assertEquals(0, bwd.loweredGradientBytes(), s + " backward: dL reuses L's buffer");
                assertEquals(s == MecSolution.A ? out : 0, bwd.permutationScratchBytes(), s + " backward dO in h-n-w-c");
            }
        }
    }

    private record Measured(ConvStats stats, long liveBefore, long liveAfter, long peakAbove, long allocated) {
        void assertConsistent(String pass) {
            assertTrue(peakAbove >= stats.workspaceBytes(), pass + ": tracker peak " + peakAbove
                    + " B above the live size before the call is below the measured workspace " + stats.workspaceBytes());
            assertEquals(stats.workspaceBytes(), allocated, pass + ": bytes the call allocated vs its workspace");
            assertEquals(liveBefore, liveAfter, pass + ": live bytes after the call vs before (workspace not freed)");
        }
    }

    private static Measured measure(MemoryTracker tracker, Supplier<ConvStats> call) {
        long liveBefore = tracker.liveBytes();
        long totalBefore = tracker.totalAllocatedBytes();
        tracker.resetPeak();
        ConvStats stats = call.get();
        return new Measured(stats, liveBefore, tracker.liveBytes(), tracker.peakBytes() - liveBefore,
                tracker.totalAllocatedBytes() - totalBefore);
    }
}
