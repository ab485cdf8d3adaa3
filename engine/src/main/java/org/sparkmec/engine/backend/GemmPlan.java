package org.sparkmec.engine.backend;

import java.util.Arrays;
import java.util.Objects;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * A list of single-precision GEMM calls {@code C_i = alpha * op(A_i) * op(B_i) + beta * C_i} that share
 * shape, transposes, scalars, operand storages and leading dimensions, and differ only in the offsets
 * of their operands (row-major storage, offsets and leading dimensions in floats).
 *
 * <p>Semantics are those of running the calls in list order. {@link Outputs#DISJOINT} promises that no
 * two calls write overlapping parts of C, so a backend may run them in any order or concurrently;
 * {@link Outputs#OVERLAPPING} (MEC's backward windows, accumulation with {@code beta = 1}) means a backend
 * may only parallelise inside rows of C: rows of op(A)*op(B) never share storage across different row
 * indices for the plans the engine builds (each C row lies within its own {@code ldc} stride).
 *
 * <p>This is a kernel-level object: it is not validated beyond non-null operands; the convolution
 * algorithms that build plans have validated the shapes.
 */
public final class GemmPlan {

    /** Whether the calls of a plan write disjoint parts of C. */
    public enum Outputs {
        DISJOINT,
        OVERLAPPING
    }

    private final Transpose transA;
    private final Transpose transB;
    private final int m;
    private final int n;
    private final int k;
    private final float alpha;
    private final float beta;
    private final FloatStorage a;
    private final int lda;
    private final FloatStorage b;
    private final int ldb;
    private final FloatStorage c;
    private final int ldc;
    private final Outputs outputs;
    private final long[] aOffsets;
    private final long[] bOffsets;
    private final long[] cOffsets;

    private GemmPlan(Builder builder) {
        this.transA = builder.transA;
        this.transB = builder.transB;
        this.m = builder.m;
        this.n = builder.n;
        this.k = builder.k;
        this.alpha = builder.alpha;
        this.beta = builder.beta;
        this.a = Objects.requireNonNull(builder.a, "A operand");
        this.lda = builder.lda;
        this.b = Objects.requireNonNull(builder.b, "B operand");
        this.ldb = builder.ldb;
        this.c = Objects.requireNonNull(builder.c, "C operand");
        this.ldc = builder.ldc;
        this.outputs = builder.outputs;
        this.aOffsets = Arrays.copyOf(builder.aOffsets, builder.count);
        this.bOffsets = Arrays.copyOf(builder.bOffsets, builder.count);
        this.cOffsets = Arrays.copyOf(builder.cOffsets, builder.count);
    }

    /** Starts a plan of calls with an m x k op(A), a k x n op(B) and an m x n C. */
    public static Builder builder(Transpose transA, Transpose transB, int m, int n, int k) {
        return new Builder(transA, transB, m, n, k);
    }

    public Transpose transA() { return transA; }
    public Transpose transB() { return transB; }
    public int m() { return m; }
    public int n() { return n; }
    public int k() { return k; }
    public float alpha() { return alpha; }
    public float beta() { return beta; }
    public FloatStorage a() { return a; }
    public int lda() { return lda; }
    public FloatStorage b() { return b; }
    public int ldb() { return ldb; }
    public FloatStorage c() { return c; }
    public int ldc() { return ldc; }
    public Outputs outputs() { return outputs; }
    public int count() { return aOffsets.length; }
    public long aOffset(int i) { return aOffsets[i]; }
    public long bOffset(int i) { return bOffsets[i]; }
    public long cOffset(int i) { return cOffsets[i]; }

    /** Floating-point operations of the whole plan (2*m*n*k per call). */
    public double flops() {
        return 2.0 * m * n * k * count();
    }

    /** Builds a {@link GemmPlan}; call {@link #add} once per GEMM. */
    public static final class Builder {
        private final Transpose transA;
        private final Transpose transB;
        private final int m;
        private final int n;
        private final int k;
        private float alpha = 1f;
        private float beta = 0f;
        private FloatStorage a;
        private int lda;
        private FloatStorage b;
        private int ldb;
        private FloatStorage c;
        private int ldc;
        private Outputs outputs = Outputs.DISJOINT;
        private long[] aOffsets = new long[8];
        private long[] bOffsets = new long[8];
        private long[] cOffsets = new long[8];
        private int count;

        private Builder(Transpose transA, Transpose transB, int m, int n, int k) {
            this.transA = Objects.requireNonNull(transA);
            this.transB = Objects.requireNonNull(transB);
            this.m = m;
            this.n = n;
            this.k = k;
        }

        public Builder alpha(float value) { this.alpha = value; return this; }
        public Builder beta(float value) { this.beta = value; return this; }
        public Builder a(FloatStorage storage, int leadingDimension) { this.a = storage; this.lda = leadingDimension; return this; }
        public Builder b(FloatStorage storage, int leadingDimension) { this.b = storage; this.ldb = leadingDimension; return this; }
        public Builder c(FloatStorage storage, int leadingDimension) { this.c = storage; this.ldc = leadingDimension; return this; }
        public Builder outputs(Outputs value) { this.outputs = Objects.requireNonNull(value); return this; }

        /** Appends one call with the given operand offsets (floats). */
        public Builder add(long aOffset, long bOffset, long cOffset) {
            if (count == aOffsets.length) {
                aOffsets = Arrays.copyOf(aOffsets, count * 2);
                bOffsets = Arrays.copyOf(bOffsets, count * 2);
                cOffsets = Arrays.copyOf(cOffsets, count * 2);
            }
            aOffsets[count] = aOffset;
            bOffsets[count] = bOffset;
            cOffsets[count] = cOffset;
            count++;
            return this;
        }

        public GemmPlan build() {
            return new GemmPlan(this);
        }
    }
}
