/**
 * The external comparison of the CPU engine with PyTorch's CPU convolutions (oneDNN), through DJL: MEC and im2col
 * against PyTorch's conv2d on the same layers, forward and forward plus backward, alternating in one JVM, medians.
 * Built only with the Maven profile {@code pytorch} (it downloads PyTorch's natives); run by
 * {@code dev/cpu/pytorch-comparison}.
 */
package org.sparkmec.benchmarks.pytorch;
