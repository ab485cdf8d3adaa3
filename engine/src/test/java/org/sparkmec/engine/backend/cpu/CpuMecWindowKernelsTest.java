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
import org.sparkmec.engine.backend.MecWindowKernels;
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

    static Stream<Arguments> forcedOrders() {
        return Stream.of(ForwardOrder.values()).flatMap(order -> Stream.of(GemmParallelism.values())
                .flatMap(mode -> Stream.of(1L, CpuMecWindowKernels.TILE_FLOATS).map(tile -> Arguments.of(order, mode, tile))));
    }

    @ParameterizedTest
    @MethodSource("forcedOrders")
    void eachForwardOrderMatchesTheDefaultKernels(ForwardOrder order, GemmParallelism mode, long tileFloats) {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, mode, 0));
             CpuWorkers workers = new CpuWorkers(2);
             CpuMecWindowKernels forced = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, tileFloats, order)) {
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

    @Test
    void inputRowOrderOnlyWhereWindowsOverlapWithFewOutputsAndLongKernelRows() {
        // cv4 of the paper's layers: 7x7 stride 2 over 64 channels to 64.
        assertEquals(ForwardOrder.INPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 224, 224, 64, 7, 7, 64, 2, 2, 0, 0)));
        // cv8 (128 outputs), cv9 (kernel rows of 192 floats), cv1 (33), stride = kernel height (no overlap).
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 112, 112, 64, 3, 3, 128, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 56, 56, 64, 3, 3, 64, 1, 1, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 227, 227, 3, 11, 11, 96, 4, 4, 0, 0)));
        assertEquals(ForwardOrder.OUTPUT_ROWS, CpuMecWindowKernels.forwardOrder(new ConvGeometry(32, 56, 56, 256, 2, 2, 64, 2, 2, 0, 0)));
    }

    @ParameterizedTest
    @EnumSource(GemmParallelism.class)
    void oneImagePerTileMatchesTheDefaultTiles(GemmParallelism mode) {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, mode, 0));
             CpuWorkers workers = new CpuWorkers(2);
             CpuMecWindowKernels small = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, 1, null)) {
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
