/**
 * The layer benchmark: layer sets read from {@code conf/layers} ({@link org.sparkmec.engine.bench.LayerSets}),
 * algorithms timed side by side on the same tensors (median of the timed runs after warm-up), the machine's
 * sgemm ceiling in the same run, and an environment report; one process's results are an
 * {@link org.sparkmec.engine.bench.ExecutorResult}, and a {@link org.sparkmec.engine.bench.BenchmarkReport}
 * of one or many of them makes {@code layers.csv}, {@code environment.txt} and {@code summary.md}.
 * Benchmarks report results; they are not tests. Nothing here knows Spark: the Spark module runs the same
 * benchmark on every executor.
 */
package org.sparkmec.engine.bench;
