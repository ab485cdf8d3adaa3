/**
 * Network layers with forward and backward passes on the engine's backend: Conv2d (MEC, im2col or
 * chosen per layer), Dense, ReLU, max/average pooling, Flatten, Dropout, and softmax cross-entropy;
 * a sequential {@link org.sparkmec.engine.nn.Network} of them. Activations are NHWC or MATRIX
 * {@code (n, features)}; layers own their outputs and parameters.
 */
package org.sparkmec.engine.nn;
