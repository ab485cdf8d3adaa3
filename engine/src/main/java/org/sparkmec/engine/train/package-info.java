/**
 * Single-node training: {@link org.sparkmec.engine.train.LocalTrainer} (mini-batches, optimizer, epoch
 * evaluation, metrics and memory CSVs), the versioned binary {@link org.sparkmec.engine.train.Checkpoint}
 * format, where and when checkpoints are written ({@link org.sparkmec.engine.train.CheckpointPolicy}), what
 * a resumed run continues from ({@link org.sparkmec.engine.train.ResumePoint}, shared with the Spark trainer),
 * and {@link org.sparkmec.engine.train.Networks}, which builds a network from a model declaration.
 */
package org.sparkmec.engine.train;
