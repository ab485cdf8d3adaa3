package org.sparkmec.engine.backend.cpu;

import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The fused MEC kernels split into one image per tile (several tiles per output row, several image
 * chunks per worker) against the same kernels with the default tile, which ConvolutionTest checks
 * against the direct reference. Tolerance: {@code |a - b| <= 1e-6 * terms + 1e-4 * |b|}.
 */
class CpuMecWindowKernelsTest {

    /** (batch, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w): overlapping windows, padding, odd batch. */
    private static final List<ConvGeometry> SHAPES = List.of(
            new ConvGeometry(5, 9, 8, 3, 3, 2, 6, 1, 2, 1, 0),
            new ConvGeometry(7, 11, 7, 2, 5, 3, 4, 2, 1, 2, 1));

    @ParameterizedTest
    @EnumSource(GemmParallelism.class)
    void oneImagePerTileMatchesTheDefaultTiles(GemmParallelism mode) {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, mode, 0));
             CpuWorkers workers = new CpuWorkers(2);
             CpuMecWindowKernels small = new CpuMecWindowKernels(workers, new CpuConvKernels(workers), mode, 1)) {
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
