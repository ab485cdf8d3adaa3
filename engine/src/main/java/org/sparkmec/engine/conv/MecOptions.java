package org.sparkmec.engine.conv;

import java.util.Objects;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * Settings of {@link MecConvolution}.
 *
 * @param threshold T of the paper: solution A is chosen when {@code o_w <= T} (and {@code |O| <= |L|}); at least 1
 * @param solution  {@link MecSolution#AUTO}, or a forced variant (tests, benchmarks)
 */
public record MecOptions(int threshold, MecSolution solution) {

    /**
     * Default T for the CPU backend, measured on the 2-core development machine (docs/design.md, "Choosing T"):
     * with {@code conf/layers/threshold-sweep.layers} (3x3, 64 -> 64 channels, o_w = 24 ... 136),
     * backward solution A is faster up to o_w = 56 and B from o_w = 72 (forward B is level or faster
     * from o_w = 56); on the paper's layers A wins at o_w <= 56 and B at o_w >= 109.
     */
    public static final int DEFAULT_CPU_THRESHOLD = 64;

    /**
     * Default T for the CUDA backend, measured on an H100 (docs/results.md, "Results on an H100") with
     * {@code conf/layers/threshold-sweep.layers} at batch 32, forward plus backward: solution A was
     * faster up to o_w = 56 (1.88 ms against 2.77), level at 72 (2.68 against 2.62) and slower from 88
     * (3.91 against 3.22) on; so A is chosen up to o_w = 64.
     */
    public static final int DEFAULT_CUDA_THRESHOLD = 64;

    /** The measured default T of a backend ({@code auto} has no backend yet: the CPU's). */
    public static int defaultThreshold(BackendKind kind) {
        return kind == BackendKind.CUDA ? DEFAULT_CUDA_THRESHOLD : DEFAULT_CPU_THRESHOLD;
    }

    public MecOptions {
        if (threshold < 1) {
            throw new IllegalArgumentException("MEC threshold T must be at least 1, got " + threshold);
        }
        Objects.requireNonNull(solution, "solution");
    }

    public static MecOptions defaults() {
        return new MecOptions(DEFAULT_CPU_THRESHOLD, MecSolution.AUTO);
    }

    /** The variant that runs for geometry {@code g}. */
    public MecSolution resolve(ConvGeometry g) {
        if (solution != MecSolution.AUTO) {
            return solution;
        }
        return g.outW() <= threshold && g.outputElements() <= g.mecLoweredElements() ? MecSolution.A : MecSolution.B;
    }
}
