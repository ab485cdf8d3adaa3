package org.sparkmec.engine.tensor;

/**
 * Memory layouts of the engine's tensors, all row-major (the last dimension is contiguous).
 */
public enum Layout {
    /** Activations: (batch, height, width, channels); channels innermost. */
    NHWC(4, "n, h, w, c"),
    /**
     * Convolution kernels: (k_h, k_w, i_c, k_c); read as a row-major (k_h*k_w*i_c) x k_c matrix whose
     * rows are ordered (kh, kw, c).
     */
    HWIO(4, "k_h, k_w, i_c, k_c"),
    /** Row-major matrix: (rows, columns). */
    MATRIX(2, "rows, cols"),
    /** A vector, e.g. a bias of k_c values. */
    VECTOR(1, "length");

    private final int rank;
    private final String dimensionNames;

    Layout(int rank, String dimensionNames) {
        this.rank = rank;
        this.dimensionNames = dimensionNames;
    }

    public int rank() {
        return rank;
    }

    /** Human-readable dimension names, for error messages. */
    public String dimensionNames() {
        return dimensionNames;
    }
}
