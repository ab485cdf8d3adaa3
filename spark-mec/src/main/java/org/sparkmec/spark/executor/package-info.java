/**
 * The engines an executor JVM hosts for its tasks: {@link org.sparkmec.spark.executor.ExecutorEngines} keeps
 * persistent backends and the networks built on them, created once per JVM and lent to one task thread at a
 * time (training workers, prediction, the layer benchmark), and closed when the executor plugin shuts down;
 * {@link org.sparkmec.spark.executor.TaskGpu} reads the GPU address Spark's scheduler assigned a task, so that
 * an engine opens that GPU and never enumerates others.
 */
package org.sparkmec.spark.executor;
