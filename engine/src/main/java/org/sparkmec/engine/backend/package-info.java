/**
 * The backend seam: {@link org.sparkmec.engine.backend.Backend} (buffers, GEMM plans, data-movement
 * kernels) with a CPU implementation in {@code .cpu} and a CUDA one in {@code .cuda}, chosen once by
 * {@link org.sparkmec.engine.runtime.Backends} from {@code auto|cpu|cuda}; the choice and any fallback
 * are logged once.
 */
package org.sparkmec.engine.backend;
