/**
 * Float32 tensors in native memory: {@link org.sparkmec.engine.tensor.Tensor} pairs a
 * {@link org.sparkmec.engine.tensor.Layout} (NHWC activations, HWIO kernels) with a
 * {@link org.sparkmec.engine.tensor.FloatStorage} that BLAS or CUDA reads with no copy. Every storage is
 * AutoCloseable with an idempotent close; use after close throws {@code IllegalStateException}. Storages
 * report their bytes to their allocator's {@link org.sparkmec.engine.tensor.MemoryTracker} (live, peak and
 * cached bytes).
 */
package org.sparkmec.engine.tensor;
