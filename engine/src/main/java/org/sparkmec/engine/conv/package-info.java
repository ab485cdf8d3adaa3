/**
 * 2-D convolution over NHWC activations and HWIO kernels, forward and backward, behind one interface
 * ({@link org.sparkmec.engine.conv.Convolution}): MEC (Cho &amp; Brand, ICML 2017) with solutions A and B,
 * im2col + GEMM (the baseline) and a double-precision direct loop (the oracle). Public calls validate
 * and report the workspace they allocated ({@link org.sparkmec.engine.conv.ConvStats}); the same sizes
 * are computable from a {@link org.sparkmec.engine.shape.ConvGeometry} alone.
 */
package org.sparkmec.engine.conv;
