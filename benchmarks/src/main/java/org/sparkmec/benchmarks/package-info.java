/**
 * JMH micro-benchmarks of the engine's inner pieces: lowering (MEC vs im2col), the forward GEMM calls
 * (MEC solutions A and B vs im2col's single GEMM) and solution A's permutation. Run with
 * {@code ./mec jmh}; they print results and assert nothing. Beside them, small mains run with the module's class
 * path: in-process training and throughput ({@code InProcessTraining}, {@code TrainerThroughput}, {@code StepProfile})
 * and {@code ImageFolderExport}, which writes IDX files as a PNG image folder.
 */
package org.sparkmec.benchmarks;
