/**
 * Synchronous data-parallel training on Spark. {@link org.sparkmec.spark.train.DistributedTrainer}
 * (driver) checks settings and data, shards the images and runs one barrier stage with a long-lived
 * {@link org.sparkmec.spark.train.WorkerTask} per worker; each worker borrows its executor's persistent
 * engine ({@link org.sparkmec.spark.executor.ExecutorEngines}, bound to the GPU Spark assigned the task by
 * {@link org.sparkmec.spark.executor.TaskGpu}) and exchanges gradients and weights with the driver's
 * {@link org.sparkmec.spark.train.TrainingCoordinator}: whole gradients through a driver endpoint whose
 * replies wait for the step ({@code org.sparkmec.spark.DriverAsk}), or gradient and weight slices reduced
 * among the workers through Spark's block manager ({@code SliceExchange}), as
 * {@code spark.mec.train.aggregation} says. The coordinator is the single owner of the weights, the
 * optimizer state and the step count; the parts of a step are added in worker order either way, so a run
 * equals one process with the same global batch, and a retried stage (a lost executor) resumes at its
 * current step with no update lost or applied twice.
 */
package org.sparkmec.spark.train;
