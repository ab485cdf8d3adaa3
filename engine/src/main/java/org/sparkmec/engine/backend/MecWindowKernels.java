package org.sparkmec.engine.backend;

import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * MEC's window products as fused kernels of one backend: an optional capability
 * ({@link Backend#mecWindowKernels()}) that replaces the per-window GEMM plans of
 * {@code org.sparkmec.engine.conv.MecConvolution} when a backend has it.
 *
 * <p>Notation of {@code ConvGeometry}: L is MEC's lowered matrix, {@code i_n*o_w} rows of
 * {@code lda = (i_h+2p_h)*k_w*i_c} floats, row {@code n*o_w + w}; the window of output row h starts at
 * column {@code h*s_h*k_w*i_c} and is {@code k_h*k_w*i_c} columns wide (windows overlap when
 * {@code s_h < k_h}). K is the {@code (k_h*k_w*i_c) x k_c} row-major kernel matrix (HWIO). Output and
 * output gradient are NHWC ({@code i_n x o_h x o_w x k_c}). So the output row {@code (n, h, w)} is
 * {@code O[n, h, w, :] = L[n*o_w + w, h*s_h*k_w*i_c : +k_h*k_w*i_c] x K}.
 *
 * <p>Unchecked: the caller has validated every shape. Storages are the backend's own; calls are
 * issued in order on the backend's stream (asynchronous backends need {@link Backend#synchronize()}
 * before the host reads a result). Results must be deterministic: the same inputs give the same bits
 * on every call. Scratch a kernel needs beyond the buffers passed in is the backend's own and is not
 * part of the convolution's workspace; implementations document it.
 */
public interface MecWindowKernels {

    /**
     * Writes {@code output = windows(L) x K (+ bias)} in NHWC, overwriting it, L being the lowering of
     * {@code input} (NHWC). {@code lowered} is |L| floats of scratch for it (content unspecified on entry
     * and on return): an implementation may lower into it, or read L's elements from the input directly.
     *
     * @param bias {@code k_c} floats added to every output row, or null
     */
    void forward(FloatStorage input, FloatStorage lowered, FloatStorage kernel, FloatStorage bias,
                 FloatStorage output, ConvGeometry g);

    /**
     * {@code dK = sum over every output row (n, h, w) of window(n, h, w)^T x dO[n, h, w, :]}, overwriting
     * {@code gradKernel} ({@code k_h*k_w*i_c x k_c}). {@code lowered} holds L of the forward input.
     */
    void weightGradient(FloatStorage lowered, FloatStorage gradOutput, FloatStorage gradKernel, ConvGeometry g);

    /**
     * The lowered gradient: {@code dL = sum over output rows of dO[n, h, w, :] x K^T} placed into
     * window {@code (n, h, w)}, overlapping windows adding up; overwrites all of {@code gradLowered}
     * (|L| floats; columns no window covers become zero).
     */
    void loweredGradient(FloatStorage gradOutput, FloatStorage kernel, FloatStorage gradLowered, ConvGeometry g);

    /**
     * Whether the fused backward ({@link #weightGradient}, {@link #loweredGradient}) is the faster choice for
     * {@code g}; where not, MEC's {@code auto} runs solution A's backward (GEMM calls) after a fused forward.
     * True by default.
     */
    default boolean fusedBackwardPreferred(ConvGeometry g) {
        return true;
    }
}
