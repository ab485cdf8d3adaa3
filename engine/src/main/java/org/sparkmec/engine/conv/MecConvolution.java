package org.sparkmec.engine.conv;

import java.util.Objects;
import java.util.Optional;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.MecWindowKernels;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.memory.Workspace;
import org.sparkmec.engine.memory.WorkspacePart;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Memory-efficient convolution (Cho &amp; Brand, "MEC: Memory-efficient Convolution for Deep Neural
 * Network", ICML 2017), forward as the paper's Algorithms 1-2 and backward as derived in the
 * project's design notes (docs/design.md, "MEC as implemented").
 *
 * <p>Lowering: L has {@code i_n*o_w} rows of {@code (i_h+2p_h)*k_w*i_c} floats, a full-height strip of
 * width k_w per output column. Output row h is the GEMM of the window {@code A_h = L + h*s_h*k_w*i_c}
 * (lda = the row length) with the {@code (k_h*k_w*i_c) x k_c} kernel matrix.
 *
 * <p>Variants ({@link MecSolution}): the paper's solutions A and B as GEMM plans on the backend's
 * {@link Backend#gemm}; {@link MecSolution#FUSED}, the backend's {@link MecWindowKernels} (all windows
 * of a call in one kernel, NHWC written directly); {@link MecSolution#POINTWISE} for 1x1 stride-1
 * unpadded kernels, where the input already is the lowered matrix.
 *
 * <p>Workspace (floats; measured through {@link Workspace} and equal to {@link #forwardWorkspaceBytes}
 * / {@link #backwardWorkspaceBytes} / 4):
 * <ul>
 *   <li>forward: |L|; solution A permutes through L's dead buffer when {@code |O| <= |L|}, else (only
 *       when A is forced) through an extra |O| of scratch; pointwise: none;</li>
 *   <li>backward: |L| (recomputed lowering; dL reuses its buffer once dK is done), plus |O| with
 *       solution A for the output gradient in h-n-w-c order; pointwise: none. Under {@code auto} the
 *       backward's solution is {@link #backwardSolutionFor} (A after a fused forward where the fused backward
 *       is the slower one), and the formula is that solution's.</li>
 * </ul>
 */
public final class MecConvolution extends ValidatedConvolution {
    /** Bytes of lowered images that solution B lowers and multiplies at a time (fits a server's L3). */
    static final long CHUNK_BYTES = 32L << 20;

    private final Backend backend;
    private final MecOptions options;
    private final long chunkBytes;

    public MecConvolution(Backend backend, Conv2dParams params, MecOptions options) {
        this(backend, params, options, CHUNK_BYTES);
    }

    /** With another chunk size for solution B (tests force one image per chunk). */
    MecConvolution(Backend backend, Conv2dParams params, MecOptions options, long chunkBytes) {
        super(params);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.options = Objects.requireNonNull(options, "options");
        this.chunkBytes = chunkBytes;
        if (options.solution() == MecSolution.FUSED && backend.mecWindowKernels().isEmpty()) {
            throw new IllegalArgumentException("MEC solution fused needs a backend with fused window kernels; the "
                    + backend.kind() + " backend has none (use auto, a or b)");
        }
    }

    @Override
    public ConvAlgorithm algorithm() {
        return ConvAlgorithm.MEC;
    }

    public MecOptions options() {
        return options;
    }

    /**
     * The solution that runs for {@code g} under this instance's options: a forced one as given, else
     * {@link MecSolution#POINTWISE} for a 1x1 stride-1 unpadded kernel, else {@link MecSolution#FUSED}
     * where the backend has fused kernels, else A or B by the threshold.
     */
    public MecSolution solutionFor(ConvGeometry g) {
        if (options.solution() != MecSolution.AUTO) {
            return options.solution();
        }
        if (isPointwise(g)) {
            return MecSolution.POINTWISE;
        }
        return backend.mecWindowKernels().isPresent() ? MecSolution.FUSED : options.resolve(g);
    }

    /**
     * The solution of the backward pass for {@code g}: {@link #solutionFor}, except that under {@code auto}
     * a fused forward is followed by solution A's backward (cuBLAS GEMMs) where the backend's fused kernels
     * say their backward is the slower one ({@link MecWindowKernels#fusedBackwardPreferred}). A forced
     * solution runs in both passes.
     */
    public MecSolution backwardSolutionFor(ConvGeometry g) {
        MecSolution forward = solutionFor(g);
        if (forward == MecSolution.FUSED && options.solution() == MecSolution.AUTO
                && !backend.mecWindowKernels().orElseThrow().fusedBackwardPreferred(g)) {
            return MecSolution.A;
        }
        return forward;
    }

    /** A 1x1 kernel with stride 1 and no padding: the NHWC input is the lowered matrix itself. */
    public static boolean isPointwise(ConvGeometry g) {
        return g.kH() == 1 && g.kW() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0 && g.padW() == 0;
    }

    private MecSolution checkedSolution(ConvGeometry g) {
        MecSolution solution = solutionFor(g);
        if (solution == MecSolution.POINTWISE && !isPointwise(g)) {
            throw new IllegalArgumentException("MEC solution pointwise needs a 1x1 kernel with stride 1 and no padding, got "
                    + g + "; use auto, a or b");
        }
        return solution;
    }

    @Override
    public long forwardWorkspaceBytes(ConvGeometry g) {
        if (solutionFor(g) == MecSolution.POINTWISE) {
            return 0;
        }
        long floats = g.mecLoweredElements();
        if (solutionFor(g) == MecSolution.A && g.outputElements() > g.mecLoweredElements()) {
            floats += g.outputElements();
        }
        return floats * Float.BYTES;
    }

    @Override
    public long backwardWorkspaceBytes(ConvGeometry g) {
        MecSolution solution = backwardSolutionFor(g);
        if (solution == MecSolution.POINTWISE) {
            return 0;
        }
        long floats = g.mecLoweredElements() + (solution == MecSolution.A ? g.outputElements() : 0);
        return floats * Float.BYTES;
    }

    @Override
    ConvStats forwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor bias, Tensor output) {
        MecSolution solution = checkedSolution(g);
        ConvKernels k = backend.kernels();
        FloatStorage out = output.storage();
        try (Workspace ws = new Workspace(backend)) {
            if (solution == MecSolution.POINTWISE) {
                backend.gemm(pointwisePlan(g, Transpose.NONE, Transpose.NONE, g.outC(), g.inC(),
                        input.storage(), g.inC(), kernel.storage(), g.outC(), out, g.outC()));
                if (bias != null) {
                    k.addBias(out, pixels(g), g.outC(), bias.storage());
                }
                return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
            }
            FloatStorage lowered = ws.allocateForOverwrite(WorkspacePart.LOWERED, g.mecLoweredElements());
            if (solution == MecSolution.FUSED) {
                fused().forward(input.storage(), lowered, kernel.storage(), bias == null ? null : bias.storage(), out, g);
            } else if (solution == MecSolution.A) {
                k.lowerMec(input.storage(), g, lowered);
                backend.gemm(windowPlan(g, lowered, kernel.storage(), out, MecSolution.A, 0, g.batch()));
                // O' is in h-n-w-c order in the output buffer; L is dead and serves as the permutation scratch.
                FloatStorage scratch = g.outputElements() <= lowered.length() ? lowered
                        : ws.allocateForOverwrite(WorkspacePart.PERMUTATION_SCRATCH, g.outputElements());
                k.copy(out, 0, scratch, 0, g.outputElements());
                k.swapOuterDimensions(scratch, out, g.outH(), g.batch(), (long) g.outW() * g.outC(),
                        bias == null ? null : bias.storage());
            } else {
                // Lower and multiply a few images at a time: each chunk of L is still in the last-level
                // cache when its GEMMs read it (L itself stays full-size, as the workspace formula says).
                int chunk = imagesPerChunk(g);
                for (int first = 0; first < g.batch(); first += chunk) {
                    int count = Math.min(chunk, g.batch() - first);
                    k.lowerMec(input.storage(), g, lowered, first, count);
                    backend.gemm(windowPlan(g, lowered, kernel.storage(), out, MecSolution.B, first, count));
                }
                if (bias != null) {
                    k.addBias(out, (long) g.batch() * g.outH() * g.outW(), g.outC(), bias.storage());
                }
            }
            return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
        }
    }

    /**
     * The forward GEMMs: {@code O_h = A_h x K} per output row (A, into h-n-w-c order) or per image and
     * output row (B, into n-h-w-c). Public for the JMH benchmarks; unchecked.
     */
    public static GemmPlan windowPlan(ConvGeometry g, FloatStorage lowered, FloatStorage kernel, FloatStorage out,
                                      MecSolution solution, int firstImage, int images) {
        int rows = rowsPerWindow(g, solution);
        GemmPlan.Builder plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, rows, g.outC(), g.kernelRows())
                .a(lowered, g.loweredRowLength()).b(kernel, g.outC()).c(out, g.outC())
                .outputs(GemmPlan.Outputs.DISJOINT);
        forEachWindow(g, solution, firstImage, images, (loweredOffset, rowsOffset) -> plan.add(loweredOffset, 0, rowsOffset));
        return plan.build();
    }

    @Override
    ConvStats backwardChecked(ConvGeometry g, Tensor input, Tensor kernel, Tensor gradOutput, Tensor gradInput,
                              Tensor gradKernel, Tensor gradBias) {
        checkedSolution(g);
        MecSolution solution = backwardSolutionFor(g);
        ConvKernels k = backend.kernels();
        FloatStorage dOut = gradOutput.storage();
        try (Workspace ws = new Workspace(backend)) {
            if (gradBias != null) {
                k.sumRows(dOut, pixels(g), g.outC(), gradBias.storage());
            }
            if (gradKernel == null && gradInput == null) {
                return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
            }
            if (solution == MecSolution.POINTWISE) {
                if (gradKernel != null) {
                    // dK (i_c x k_c) = I^T (i_c x pixels) x dO (pixels x k_c)
                    backend.gemm(pointwisePlan(g, Transpose.TRANSPOSE, Transpose.NONE, g.outC(), pixelsInt(g),
                            input.storage(), g.inC(), dOut, g.outC(), gradKernel.storage(), g.outC()));
                }
                if (gradInput != null) {
                    // dI (pixels x i_c) = dO (pixels x k_c) x K^T (k_c x i_c)
                    backend.gemm(pointwisePlan(g, Transpose.NONE, Transpose.TRANSPOSE, g.inC(), g.outC(),
                            dOut, g.outC(), kernel.storage(), g.outC(), gradInput.storage(), g.inC()));
                }
                return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
            }
            if (solution == MecSolution.FUSED) {
                MecWindowKernels fused = fused();
                FloatStorage buffer = ws.allocateForOverwrite(gradKernel != null ? WorkspacePart.LOWERED
                        : WorkspacePart.LOWERED_GRADIENT, g.mecLoweredElements());
                if (gradKernel != null) {
                    k.lowerMec(input.storage(), g, buffer);
                    fused.weightGradient(buffer, dOut, gradKernel.storage(), g);
                }
                if (gradInput != null) {
                    // L is dead after dK: its buffer becomes dL.
                    fused.loweredGradient(dOut, kernel.storage(), buffer, g);
                    k.zero(gradInput.storage(), 0, gradInput.numElements());
                    k.scatterAddMec(buffer, g, gradInput.storage());
                }
                return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
            }
            // Rows of the output gradient in the forward GEMMs' order: h-n-w-c for A, n-h-w-c (as given) for B.
            FloatStorage dRows = dOut;
            if (solution == MecSolution.A) {
                dRows = ws.allocateForOverwrite(WorkspacePart.PERMUTATION_SCRATCH, g.outputElements());
                k.swapOuterDimensions(dOut, dRows, g.batch(), g.outH(), (long) g.outW() * g.outC(), null);
            }
            FloatStorage buffer;
            if (gradKernel != null) {
                buffer = ws.allocateForOverwrite(WorkspacePart.LOWERED, g.mecLoweredElements());
                k.lowerMec(input.storage(), g, buffer);
                k.zero(gradKernel.storage(), 0, gradKernel.numElements());
                backend.gemm(weightGradientPlan(g, buffer, dRows, gradKernel.storage(), solution));
            } else {
                buffer = ws.allocateForOverwrite(WorkspacePart.LOWERED_GRADIENT, g.mecLoweredElements());
            }
            if (gradInput != null) {
                // L is dead after dK: its buffer becomes dL.
                k.zero(buffer, 0, buffer.length());
                backend.gemm(loweredGradientPlan(g, dRows, kernel.storage(), buffer, solution));
                k.zero(gradInput.storage(), 0, gradInput.numElements());
                k.scatterAddMec(buffer, g, gradInput.storage());
            }
            return ConvStats.measured(ConvAlgorithm.MEC, solution.name(), ws);
        }
    }

    /**
     * {@code dK += A_h^T x dO_h} over all windows (accumulating into one C: overlapping outputs). Public for
     * the benchmarks' time breakdown; unchecked.
     */
    public static GemmPlan weightGradientPlan(ConvGeometry g, FloatStorage lowered, FloatStorage dRows,
                                               FloatStorage dKernel, MecSolution solution) {
        int rows = rowsPerWindow(g, solution);
        GemmPlan.Builder plan = GemmPlan.builder(Transpose.TRANSPOSE, Transpose.NONE, g.kernelRows(), g.outC(), rows)
                .a(lowered, g.loweredRowLength()).b(dRows, g.outC()).c(dKernel, g.outC()).beta(1f)
                .outputs(GemmPlan.Outputs.OVERLAPPING);
        forEachWindow(g, solution, 0, g.batch(), (loweredOffset, rowsOffset) -> plan.add(loweredOffset, rowsOffset, 0));
        return plan.build();
    }

    /**
     * {@code dL[window h] += dO_h x K^T}: windows overlap when {@code s_h < k_h}. Public for the benchmarks'
     * time breakdown; unchecked.
     */
    public static GemmPlan loweredGradientPlan(ConvGeometry g, FloatStorage dRows, FloatStorage kernel,
                                                FloatStorage dLowered, MecSolution solution) {
        int rows = rowsPerWindow(g, solution);
        GemmPlan.Builder plan = GemmPlan.builder(Transpose.NONE, Transpose.TRANSPOSE, rows, g.kernelRows(), g.outC())
                .a(dRows, g.outC()).b(kernel, g.outC()).c(dLowered, g.loweredRowLength()).beta(1f)
                .outputs(GemmPlan.Outputs.OVERLAPPING);
        forEachWindow(g, solution, 0, g.batch(), (loweredOffset, rowsOffset) -> plan.add(rowsOffset, 0, loweredOffset));
        return plan.build();
    }

    private MecWindowKernels fused() {
        Optional<MecWindowKernels> kernels = backend.mecWindowKernels();
        return kernels.orElseThrow(() -> new IllegalStateException("the " + backend.kind() + " backend has no fused MEC kernels"));
    }

    /** Output pixels of the batch, {@code i_n*o_h*o_w}: the rows of every pointwise GEMM. */
    private static long pixels(ConvGeometry g) {
        return (long) g.batch() * g.outH() * g.outW();
    }

    private static int pixelsInt(ConvGeometry g) {
        long rows = pixels(g);
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pointwise convolution of " + rows + " pixels exceeds a 32-bit GEMM dimension; "
                    + "use a smaller batch");
        }
        return (int) rows;
    }

    /**
     * One GEMM of a pointwise convolution: {@code C (m x n) = op(A) x op(B)}, m being the pixels of the
     * batch unless op(A) is transposed (then k is).
     */
    private static GemmPlan pointwisePlan(ConvGeometry g, Transpose transA, Transpose transB, int n, int k,
                                          FloatStorage a, int lda, FloatStorage b, int ldb, FloatStorage c, int ldc) {
        int m = transA == Transpose.NONE ? pixelsInt(g) : g.inC();
        return GemmPlan.builder(transA, transB, m, n, k).a(a, lda).b(b, ldb).c(c, ldc).add(0, 0, 0).build();
    }

    /** Images per chunk of solution B: at least one, at most the chunk size's worth of L. */
    int imagesPerChunk(ConvGeometry g) {
        long perImage = (long) g.outW() * g.loweredRowLength() * Float.BYTES;
        return (int) Math.max(1, Math.min(g.batch(), chunkBytes / perImage));
    }

    /** Rows of one window GEMM: {@code i_n*o_w} for A (all images stacked), {@code o_w} for B. */
    private static int rowsPerWindow(ConvGeometry g, MecSolution solution) {
        return solution == MecSolution.A ? g.batch() * g.outW() : g.outW();
    }

    /** Receives one window: the offset of its lowered block and of its rows of output (or output gradient). */
    @FunctionalInterface
    private interface WindowCall {
        void add(long loweredOffset, long rowsOffset);
    }

    /**
     * Visits the windows in GEMM order: per output row h (A, all images stacked), or per image n and
     * output row h (B). The lowered window starts at {@code n*o_w*rowLength + h*s_h*k_w*i_c}; its rows of
     * the output are the {@code rows x k_c} block number {@code n*o_h + h} (h-n-w-c for A, n-h-w-c for B).
     */
    private static void forEachWindow(ConvGeometry g, MecSolution solution, int firstImage, int images,
                                      WindowCall call) {
        int rows = rowsPerWindow(g, solution);
        long window = g.windowStride();
        long rowBlock = (long) rows * g.outC();
        long image = (long) g.outW() * g.loweredRowLength();
        int first = solution == MecSolution.A ? 0 : firstImage;
        int end = solution == MecSolution.A ? 1 : firstImage + images;
        for (int n = first; n < end; n++) {
            for (int h = 0; h < g.outH(); h++) {
                call.add(n * image + h * window, ((long) n * g.outH() + h) * rowBlock);
            }
        }
    }
}
