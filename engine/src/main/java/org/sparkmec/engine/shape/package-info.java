/**
 * Shapes, the leaf below the backends and the layers: {@link org.sparkmec.engine.shape.ConvGeometry} (the
 * validated shape arithmetic of one convolution call: NHWC input, HWIO kernel, stride, padding, output size
 * and the lowered-matrix sizes of MEC and im2col), {@link org.sparkmec.engine.shape.Conv2dParams} (stride and
 * padding) and {@link org.sparkmec.engine.shape.PoolGeometry}. Values only: no buffers, no backend.
 */
package org.sparkmec.engine.shape;
