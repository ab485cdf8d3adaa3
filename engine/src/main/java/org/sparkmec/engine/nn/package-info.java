/**
 * Network layers with forward and backward passes on the engine's backend: Conv2d (MEC, im2col or
 * chosen per layer), Dense, ReLU, max/average pooling, global average pooling, Flatten, Dropout, batch
 * normalisation, residual addition, channel concatenation, and softmax cross-entropy; a
 * {@link org.sparkmec.engine.nn.Network} of them, a directed acyclic graph (sequential by default). Parameters
 * are trainable or state (batch normalisation's running statistics, {@link org.sparkmec.engine.nn.Parameter.Kind}).
 * Activations are NHWC or MATRIX {@code (n, features)}; layers own their outputs and parameters.
 */
package org.sparkmec.engine.nn;
