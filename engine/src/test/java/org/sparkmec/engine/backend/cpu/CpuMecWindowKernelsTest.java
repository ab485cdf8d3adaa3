package org.sparkmec.engine.backend.cpu;

import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.cpu.CpuMecWindowKernels.ForwardOrder;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.DirectConvolution;
import org.sparkmec.engine.conv.MecConvolution;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.MecSolution;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The fused MEC kernels split into one image per tile (several tiles per output row, several image
 * chunks per worker) against the same kernels with the default tile, which ConvolutionTest checks
 * against the direct reference; and each forward order forced, with one image per tile and with the
 * default tile, against the default kernels. Tolerance: {@code |a - b| <= 1e-6 * terms + 1e-4 * |b|}.
 */
class CpuMecWindowKernelsTest {

    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w): overlapping windows, padding, odd batch. */
    private static final List<ConvGeometry> SHAPES = List.of(
            new ConvGeometry(5, 9, 8, 3, 3, 2, 6, 1, 2, 1, 0),
            new ConvGeometry(7, 11, 7, 2, 5, 3, 4, 2, 1, 2, 1));

    /** SHAPES, plus strides at or above the kernel (no overlap, rows of L no window reads) and a long kernel row. */
    private static final List<ConvGeometry> FORWARD_SHAPES = Stream.concat(SHAPES.stream(), Stream.of(
            new ConvGeometry(3, 10, 6, 2, 2, 3, 3, 3, 1, 0, 1),
            new ConvGeometry(2, 9, 5, 3, 3, 2, 4, 3, 2, 1, 0),
            new ConvGeometry(3, 6, 5, 128, 3, 2, 5, 1, 1, 1, 0))).toList();

    /** FORWARD_SHAPES, plus padding at top and bottom with stride 2, and a kernel matrix of fewer rows than 16 per worker. */
    private static final List<ConvGeometry> BACKWARD_SHAPES = Stream.concat(FORWARD_SHAPES.stream(), Stream.of(
            new ConvGeometry(3, 8, 7, 5, 3, 3, 7, 2, 1, 2, 1),
            new ConvGeometry(4, 6, 6, 1, 2, 2, 3, 1, 1, 0, 0))).toList();

    static Stream<Arguments> forcedOrders() {
        return Stream.of(ForwardOrder.values()).flatMap(order -> Stream.of(GemmParallelism.values())
                .flatMap(mode -> Stream.of(1L, CpuMecWindowKernels.TILE_FLOATS).map(tile -> Arguments.of(order, mode, tile))));
    }

    @ParameterizedTest
    @MethodSource("forcedOrders")
    void eachForwardOrderMatchesTheDefaultKernels(ForwardOrder order, GemmParallelism mode, long tileFloats) {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, mode, 0));
             CpuWorkers workers = new CpuWorkers(2);
             CpuMecWindowKernels forced = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, tileFloats, order, null, null)) {
            MecWindowKernels reference = backend.mecWindowKernels().orElseThrow();
            for (ConvGeometry g : FORWARD_SHAPES) {
                int lowered = Math.toIntExact(g.mecLoweredElements());
                try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                     Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                     Tensor bias = random(backend, Layout.VECTOR, 3, g.outC());
                     Tensor l1 = Tensor.zeros(backend, Layout.VECTOR, lowered);
                     Tensor l2 = Tensor.zeros(backend, Layout.VECTOR, lowered);
                     Tensor o1 = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                     Tensor o2 = Tensor.zeros(backend, Layout.NHWC, g.outputDims())) {
                    fill(o1.storage(), Float.NaN);
                    forced.forward(input.storage(), l1.storage(), kernel.storage(), bias.storage(), o1.storage(), g);
                    reference.forward(input.storage(), l2.storage(), kernel.storage(), bias.storage(), o2.storage(), g);
                    assertAllClose(order + " " + mode + " tile " + tileFloats + " " + g + " forward",
                            values(o2.storage()), values(o1.storage()), 1e-6 * g.kernelRows(), 1e-4);
                }
            }
        }
    }

    static Stream<Arguments> forcedBackwardSplits() {
        return Stream.of(CpuMecWindowKernels.WeightGradientSplit.values()).flatMap(weights ->
                Stream.of(CpuMecWindowKernels.LoweredGradientSplit.values()).flatMap(lowered ->
                        Stream.of(GemmParallelism.values()).flatMap(mode ->
                                Stream.of(1L, CpuMecWindowKernels.TILE_FLOATS).map(tile -> Arguments.of(weights, lowered, mode, tile)))));
    }

    /**
     * Each backward split forced (one image per tile and the default tile, both GEMM modes, 2 and 3 workers),
     * run through MEC's fused backward against the double-precision direct reference, on shapes with
     * overlapping windows, padding, strides at and above the kernel height (input rows no window reads),
     * odd channel counts and fewer dK rows than 16 per worker. The lowered gradient must overwrite all of its
     * buffer: the backward's workspace comes from a cache that holds NaN.
     */
    @ParameterizedTest
    @MethodSource("forcedBackwardSplits")
    void eachBackwardSplitMatchesTheDirectReference(CpuMecWindowKernels.WeightGradientSplit weights,
                                                    CpuMecWindowKernels.LoweredGradientSplit lowered, GemmParallelism mode,
                                                    long tileFloats) {
        for (int threads : new int[] {2, 3}) {
            try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(threads, mode, 1L << 30));
                 CpuWorkers workers = new CpuWorkers(threads);
                 CpuMecWindowKernels forced = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, tileFloats,
                         null, weights, lowered)) {
                Backend withForced = new WithFusedKernels(backend, forced);
                for (ConvGeometry g : BACKWARD_SHAPES) {
                    String name = weights + " " + lowered + " " + mode + " tile " + tileFloats + " threads " + threads + " " + g;
                    Convolution mec = new MecConvolution(withForced, g.params(), new MecOptions(MecOptions.DEFAULT_CPU_THRESHOLD,
                            MecSolution.FUSED));
                    Convolution direct = new DirectConvolution(g.params());
                    try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                         Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                         Tensor gradOutput = random(backend, Layout.NHWC, 4, g.outputDims());
                         Tensor dIn = random(backend, Layout.NHWC, 5, g.inputDims());
                         Tensor dK = random(backend, Layout.HWIO, 6, g.kernelDims());
                         Tensor expectedDIn = Tensor.zeros(backend, Layout.NHWC, g.inputDims());
                         Tensor expectedDK = Tensor.zeros(backend, Layout.HWIO, g.kernelDims())) {
                        poisonWorkspaceCache(backend, g.mecLoweredElements());
                        mec.backward(input, kernel, gradOutput, dIn, dK, null);
                        direct.backward(input, kernel, gradOutput, expectedDIn, expectedDK, null);
                        long rows = (long) g.batch() * g.outH() * g.outW();
                        assertAllClose(name + " dK", expectedDK.toArray(), dK.toArray(), 1e-6 * rows, 1e-4);
                        assertAllClose(name + " dI", expectedDIn.toArray(), dIn.toArray(), 1e-6 * g.kernelRows() * g.outC(), 1e-4);
                    }
                }
            }
        }
    }

    /** Leaves a NaN-filled buffer of {@code floats} in the backend's cache, for the next workspace to reuse. */
    private static void poisonWorkspaceCache(CpuBackend backend, long floats) {
        FloatStorage s = backend.allocateForOverwrite(floats);
        fill(s, Float.NaN);
        s.close();
    }

    @Test
    void backwardSplitsOfThePapersLayersOnTwoWorkers() {
        long tile = CpuMecWindowKernels.TILE_FLOATS;
        // cv5, cv6, cv11, cv12: dK over 2^18 floats; cv12 also has 5 output rows for 2 workers.
        for (ConvGeometry g : List.of(new ConvGeometry(32, 24, 24, 96, 5, 5, 256, 1, 1, 0, 0),
                new ConvGeometry(32, 12, 12, 256, 3, 3, 512, 1, 1, 0, 0),
                new ConvGeometry(32, 14, 14, 256, 3, 3, 256, 1, 1, 0, 0),
                new ConvGeometry(32, 7, 7, 512, 3, 3, 512, 1, 1, 0, 0))) {
            assertEquals(CpuMecWindowKernels.WeightGradientSplit.KERNEL_ROWS, CpuMecWindowKernels.weightGradientSplit(g, 2, tile), g.toString());
            assertEquals(CpuMecWindowKernels.LoweredGradientSplit.INPUT_ROWS, CpuMecWindowKernels.loweredGradientSplit(g, 2, tile), g.toString());
            assertEquals(CpuMecWindowKernels.WeightGradientSplit.TILES, CpuMecWindowKernels.weightGradientSplit(g, 1, tile), g.toString());
        }
        // cv10: 16 images x 26 output columns = 416 rows per worker in IMAGES; dK of 1152 x 128 floats.
        ConvGeometry cv10 = new ConvGeometry(32, 28, 28, 128, 3, 3, 128, 1, 1, 0, 0);
        assertEquals(CpuMecWindowKernels.WeightGradientSplit.TILES, CpuMecWindowKernels.weightGradientSplit(cv10, 2, tile));
        assertEquals(CpuMecWindowKernels.LoweredGradientSplit.INPUT_ROWS, CpuMecWindowKernels.loweredGradientSplit(cv10, 2, tile));
        // cv1 (55 tiles: uneven but many), cv3, cv4, cv8, cv9: as before.
        for (ConvGeometry g : List.of(new ConvGeometry(32, 227, 227, 3, 11, 11, 96, 4, 4, 0, 0),
                new ConvGeometry(32, 227, 227, 3, 7, 7, 64, 2, 2, 0, 0),
                new ConvGeometry(32, 224, 224, 64, 7, 7, 64, 2, 2, 0, 0),
                new ConvGeometry(32, 112, 112, 64, 3, 3, 128, 1, 1, 0, 0),
                new ConvGeometry(32, 56, 56, 64, 3, 3, 64, 1, 1, 0, 0))) {
            assertEquals(CpuMecWindowKernels.WeightGradientSplit.TILES, CpuMecWindowKernels.weightGradientSplit(g, 2, tile), g.toString());
            assertEquals(CpuMecWindowKernels.LoweredGradientSplit.IMAGES, CpuMecWindowKernels.loweredGradientSplit(g, 2, tile), g.toString());
        }
    }

    @Test
    void loweredColumnSplitBalancesTheWindowsCoveringEachColumn() {
        // cv12: input rows covered by 1, 2, 3, 3, 3, 2, 1 windows (15 row-windows of 1536 columns): the cut
        // falls inside row 3, where 7.5 of them lie on either side, and on a multiple of 16.
        ConvGeometry cv12 = new ConvGeometry(32, 7, 7, 512, 3, 3, 512, 1, 1, 0, 0);
        long[] bounds = CpuMecWindowKernels.loweredColumnSplit(cv12, 2);
        assertEquals(0, bounds[0]);
        assertEquals(cv12.loweredRowLength(), bounds[2]);
        assertEquals(3 * 1536 + 768, bounds[1]);
        // Stride 3 over a kernel of 2 rows: row 2 of every 3 is read by no window; 3 workers, cuts ascending.
        ConvGeometry gaps = new ConvGeometry(3, 10, 6, 2, 2, 3, 3, 3, 1, 0, 1);
        long[] three = CpuMecWindowKernels.loweredColumnSplit(gaps, 3);
        for (int s = 0; s < 3; s++) {
            assertEquals(0, three[s] % 16);
            org.junit.jupiter.api.Assertions.assertTrue(three[s] <= three[s + 1], java.util.Arrays.toString(three));
        }
    }

    @Test
    void inputRowOrderOnlyWhereWindowsOverlapWithFewOutputsOnWideOutputs() {
        // cv4 (7x7/2, 64 -> 64), cv8 (128 outputs, 110 wide), cv9 (64, 54 wide), cv1 (RGB, 11x11/4 -> 96, 55 wide).
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 224, 224, 64, 7, 7, 64, 2, 2, 0, 0)));
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 112, 112, 64, 3, 3, 128, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 56, 56, 64, 3, 3, 64, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 227, 227, 3, 11, 11, 96, 4, 4, 0, 0)));
        // cv10 (128 outputs but 26 wide), cv5 (256 outputs), stride = kernel height (no overlap).
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 28, 28, 128, 3, 3, 128, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 24, 24, 96, 5, 5, 256, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 56, 56, 256, 2, 2, 64, 2, 2, 0, 0)));
        // At the bounds: 129 outputs, or 31 wide, keep output-row order.
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(2, 40, 40, 8, 3, 3, 129, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(2, 33, 33, 8, 3, 3, 128, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(2, 34, 34, 8, 3, 3, 128, 1, 1, 0, 0)));
    }

    @ParameterizedTest
    @EnumSource(GemmParallelism.class)
    void oneImagePerTileMatchesTheDefaultTiles(GemmParallelism mode) {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, mode, 0));
             CpuWorkers workers = new CpuWorkers(2);
             CpuMecWindowKernels small = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, 1, null, null, null)) {
            MecWindowKernels reference = backend.mecWindowKernels().orElseThrow();
            for (ConvGeometry g : SHAPES) {
                String name = mode + " " + g;
                int lowered = Math.toIntExact(g.mecLoweredElements());
                try (Tensor input = random(backend, Layout.NHWC, 1, g.inputDims());
                     Tensor kernel = random(backend, Layout.HWIO, 2, g.kernelDims());
                     Tensor bias = random(backend, Layout.VECTOR, 3, g.outC());
                     Tensor gradOutput = random(backend, Layout.NHWC, 4, g.outputDims());
                     Tensor l1 = Tensor.zeros(backend, Layout.VECTOR, lowered);
                     Tensor l2 = Tensor.zeros(backend, Layout.VECTOR, lowered);
                     Tensor o1 = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                     Tensor o2 = Tensor.zeros(backend, Layout.NHWC, g.outputDims());
                     Tensor dk1 = Tensor.zeros(backend, Layout.HWIO, g.kernelDims());
                     Tensor dk2 = Tensor.zeros(backend, Layout.HWIO, g.kernelDims())) {
                    small.forward(input.storage(), l1.storage(), kernel.storage(), bias.storage(), o1.storage(), g);
                    reference.forward(input.storage(), l2.storage(), kernel.storage(), bias.storage(), o2.storage(), g);
                    assertAllClose(name + " forward", values(o2.storage()), values(o1.storage()), 1e-6 * g.kernelRows(), 1e-4);

                    small.weightGradient(l1.storage(), gradOutput.storage(), dk1.storage(), g);
                    reference.weightGradient(l2.storage(), gradOutput.storage(), dk2.storage(), g);
                    long rows = (long) g.batch() * g.outH() * g.outW();
                    assertAllClose(name + " dK", values(dk2.storage()), values(dk1.storage()), 1e-6 * rows, 1e-4);

                    // Garbage in the buffers first: the lowered gradient must overwrite all of them.
                    fill(l1.storage(), 7f);
                    fill(l2.storage(), -3f);
                    small.loweredGradient(gradOutput.storage(), kernel.storage(), l1.storage(), g);
                    reference.loweredGradient(gradOutput.storage(), kernel.storage(), l2.storage(), g);
                    assertAllClose(name + " dL", values(l2.storage()), values(l1.storage()), 1e-6 * g.outC() * g.kH(), 1e-4);
                }
            }
        }
    }

    private static void fill(FloatStorage s, float value) {
        float[] v = new float[Math.toIntExact(s.length())];
        java.util.Arrays.fill(v, value);
        s.copyFrom(v, 0, 0, v.length);
    }

    private static float[] values(FloatStorage s) {
        float[] v = new float[Math.toIntExact(s.length())];
        s.copyTo(0, v, 0, v.length);
        return v;
    }
}
