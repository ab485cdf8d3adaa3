/**
 * The layer benchmark: layer sets read from {@code conf/layers}, algorithms timed side by side on
 * the same tensors (median of the timed runs after warm-up), the machine's sgemm ceiling in the same
 * run, and an environment report. Benchmarks print results; they are not tests.
 */
package org.sparkmec.engine.bench;
