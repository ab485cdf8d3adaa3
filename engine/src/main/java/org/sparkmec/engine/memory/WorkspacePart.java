package org.sparkmec.engine.memory;

/** What a piece of convolution workspace holds. */
public enum WorkspacePart {
    /** The lowered input matrix (MEC's L or im2col's column matrix). */
    LOWERED,
    /** The gradient of the lowered matrix, when it has a buffer of its own. */
    LOWERED_GRADIENT,
    /** Scratch for MEC solution A's h-n-w-c / n-h-w-c permutation, when L's buffer cannot serve. */
    PERMUTATION_SCRATCH
}
