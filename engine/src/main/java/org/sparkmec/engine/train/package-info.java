/**
 * Single-node training: {@link org.sparkmec.engine.train.LocalTrainer} (mini-batches, optimizer, epoch
 * evaluation, metrics and memory CSVs), the versioned binary {@link org.sparkmec.engine.train.Checkpoint}
 * format, and {@link org.sparkmec.engine.train.Networks}, which builds a network from a model declaration.
 */
package org.sparkmec.engine.train;
