package org.sparkmec.engine.conv;

import java.util.Objects;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.memory.Workspace;
import org.sparkmec.engine.memory.WorkspacePart;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Tensor;

/**
 * im2col + GEMM, Caffe style, over the whole mini-batch: the baseline of the MEC paper.
 *
 * <p>The column matrix has {@code i_n*o_h*o_w} rows of {@code k_h*k_w*i_c} floats; the forward pass is
 * one GEMM with the kernel matrix. Backward reuses the column buffer: first the recomputed columns for
 * {@code dK = col^T x dO}, then the column gradient {@code dO x K^T} that col2im scatters into dI (as
 * Caffe does with its one {@code col_buffer_}). Workspace: |col| floats forward and backward; none for
 * a 1x1 kernel with stride 1 and no padding, whose column matrix is the input itself.
 */
public final class Im2colConvolution extends ValidatedConvolution {
    private final Backend backend;

    public Im2colConvolution(Backend backend, Conv2dParams params) {
        super(params);
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public ConvAlgorithm algorithm() {
        return ConvAlgorithm.IM2COL;
    }

    /** True when the column matrix equals the input (1x1 kernel, stride 1, no padding). */
    static boolean isIdentityLowering(ConvGeometry g) {
        return g.kH() == 1 && g.kW() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0 && g.padW() == 0;
    }

    @Override
    public long forwardWorkspaceBytes(ConvGeometry g) {
        return isIdentityLowering(g) ? 0 : g.im2colElements() * Float.BYTES;
    }

    @Override
    public long backwardWorkspaceBytes(ConvGeometry g) {
        return forwardWorkspaceBytes(g);
    }

    @Override
    ConvStats forwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor bias, Tensor output) {
        ConvKernels k = backend.kernels();
        try (Workspace ws = new Workspace(backend)) {
            FloatStorage columns = lowered(g, input, ws, WorkspacePart.LOWERED);
            int rows = g.batch() * g.outH() * g.outW();
            backend.gemm(GemmPlan.builder(Transpose.NONE, Transpose.NONE, rows, g.outC(), g.kernelRows())
                    .a(columns, g.kernelRows()).b(kernel.storage(), g.outC()).c(output.storage(), g.outC())
                    .add(0, 0, 0).build());
            if (bias != null) {
                k.addBias(output.storage(), rows, g.outC(), bias.storage());
            }
            return ConvStats.measured(ConvAlgorithm.IM2COL, "-", ws);
        }
    }

    /** The column matrix: the input itself for an identity lowering, else a new buffer filled by im2col. */
    private FloatStorage lowered(ConvGeometry g, Tensor input, Workspace ws, WorkspacePart part) {
        if (isIdentityLowering(g)) {
            return input.storage();
        }
        FloatStorage columns = ws.allocateForOverwrite(part, g.im2colElements());
        backend.kernels().im2col(input.storage(), g, columns);
        return columns;
    }

    @Override
    ConvStats backwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                              Tensor gradKernel, Tensor gradBias) {
        ConvKernels k = backend.kernels();
        int rows = g.batch() * g.outH() * g.outW();
        FloatStorage dOut = gradOutput.storage();
        try (Workspace ws = new Workspace(backend)) {
            if (gradBias != null) {
                k.sumRows(dOut, rows, g.outC(), gradBias.storage());
            }
            FloatStorage buffer = null;
            if (gradKernel != null) {
                buffer = lowered(g, input, ws, WorkspacePart.LOWERED);
                backend.gemm(GemmPlan.builder(Transpose.TRANSPOSE, Transpose.NONE, g.kernelRows(), g.outC(), rows)
                        .a(buffer, g.kernelRows()).b(dOut, g.outC()).c(gradKernel.storage(), g.outC())
                        .add(0, 0, 0).build());
            }
            if (gradInput != null) {
                FloatStorage target;
                if (isIdentityLowering(g)) {
                    target = gradInput.storage();
                } else {
                    // Reuse the columns' buffer for their gradient once dK is done.
                    target = buffer != null ? buffer : ws.allocateForOverwrite(WorkspacePart.LOWERED_GRADIENT, g.im2colElements());
                }
                backend.gemm(GemmPlan.builder(Transpose.NONE, Transpose.TRANSPOSE, rows, g.kernelRows(), g.outC())
                        .a(dOut, g.outC()).b(kernel.storage(), g.outC()).c(target, g.kernelRows())
                        .add(0, 0, 0).build());
                if (!isIdentityLowering(g)) {
                    k.zero(gradInput.storage(), 0, gradInput.numElements());
                    k.col2im(target, g, gradInput.storage());
                }
            }
            return ConvStats.measured(ConvAlgorithm.IM2COL, "-", ws);
        }
    }
}
