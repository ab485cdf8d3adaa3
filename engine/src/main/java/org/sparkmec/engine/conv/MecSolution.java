package org.sparkmec.engine.conv;

import org.sparkmec.engine.config.ConfigEnums;

/** Which MEC variant runs: the paper's solutions A and B (Section 3.2), fused kernels, or no lowering at all. */
public enum MecSolution {
    /**
     * Choose per layer: {@link #POINTWISE} for 1x1 stride-1 unpadded kernels, else {@link #FUSED} where
     * the backend has fused window kernels, else A when {@code o_w <= T} and {@code |O| <= |L|}, else B.
     */
    AUTO,
    /** All images stacked: o_h GEMMs of {@code i_n*o_w} rows, then an h-n-w-c to n-h-w-c permutation. */
    A,
    /** Per image: {@code i_n*o_h} GEMMs of {@code o_w} rows writing n-h-w-c directly. */
    B,
    /**
     * The backend's fused window kernels ({@code Backend.mecWindowKernels()}): every window product of the
     * call in one kernel that reads L's overlapping windows and writes NHWC directly (no permutation).
     */
    FUSED,
    /**
     * A 1x1 kernel with stride 1 and no padding: the input is already the lowered matrix
     * ({@code i_n*i_h*i_w} rows of {@code i_c}), so forward and both gradients are one GEMM each and
     * need no workspace.
     */
    POINTWISE;

    public static MecSolution parse(String value) {
        return ConfigEnums.parse(MecSolution.class, value, "MEC solution");
    }
}
