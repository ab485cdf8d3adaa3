/**
 * The CPU backend: host buffers in native memory ({@code calloc}, freed on close), OpenBLAS through
 * bytedeco's presets with no copy at the JNI boundary, and Java data-movement kernels split over a fixed
 * pool of worker threads. {@link org.sparkmec.engine.backend.cpu.GemmParallelism} chooses between
 * OpenBLAS's own threads and concurrent single-threaded GEMMs.
 */
package org.sparkmec.engine.backend.cpu;
