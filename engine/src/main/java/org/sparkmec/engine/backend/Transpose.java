package org.sparkmec.engine.backend;

/** Whether a GEMM operand is used as stored or transposed (row-major storage). */
public enum Transpose {
    NONE,
    TRANSPOSE
}
