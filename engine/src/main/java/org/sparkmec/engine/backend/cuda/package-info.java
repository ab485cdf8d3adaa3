/**
 * The CUDA backend, through JCuda and JCublas2: GPU buffers ({@link
 * org.sparkmec.engine.backend.cuda.DeviceFloatStorage}, AutoCloseable with an idempotent close) from a
 * caching pool, GEMM plans as (strided or pointer-array) batched cuBLAS calls in FP32, and the
 * data-movement and layer kernels of {@code mec_kernels.cu}, compiled at run time by NVRTC for the GPU's
 * architecture. Work is issued asynchronously in order on one stream; host copies synchronize. Where only
 * CUDA 13 is installed, JCuda's CUDA 12 JNI libraries are bridged by patching a copy
 * ({@link org.sparkmec.engine.backend.cuda.ElfSonamePatch}); the bridge is logged. A backend is used by
 * one thread at a time.
 */
package org.sparkmec.engine.backend.cuda;
