package org.sparkmec.engine.backend.cuda;

/**
 * Arithmetic of the CUDA backend's fused MEC kernels ({@code spark.mec.cuda.math}). {@link #FP32}: plain
 * FP32 FMAs, results within FP32 rounding of the exact sum. {@link #TF32}: tensor cores ({@code mma.sync}
 * m16n8k8, sm_80 or newer) with operands rounded to TF32 (10-bit mantissa) and FP32 accumulation, as
 * PyTorch allows for convolutions by default on such GPUs; the measured accuracy cost is stated by
 * {@code CudaMecFusedTest}. cuBLAS calls (im2col, MEC solutions A and B, pointwise) stay FP32.
 */
public enum CudaMath {
    FP32, TF32
}
