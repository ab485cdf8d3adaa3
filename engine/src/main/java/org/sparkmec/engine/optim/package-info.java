/**
 * Optimizers and learning-rate schedules for training on one node.
 *
 * <p>An {@link org.sparkmec.engine.optim.Optimizer} ({@link org.sparkmec.engine.optim.Sgd},
 * {@link org.sparkmec.engine.optim.Adam}) updates each {@link org.sparkmec.engine.nn.Parameter#value()} in
 * place from its {@link org.sparkmec.engine.nn.Parameter#gradient()}, which the caller has already
 * averaged over the batch. The learning rate comes from the caller at every step, usually from a
 * {@link org.sparkmec.engine.optim.LearningRateSchedule}. Optimizer state (momentum buffers, Adam moments)
 * is kept per parameter name on the Java heap, allocated on the first step that sees the name, and
 * exported as an {@link org.sparkmec.engine.optim.OptimizerState} for checkpoints: loading it into a fresh
 * optimizer of the same settings continues bit-identically. Values and gradients are read and written
 * through {@link org.sparkmec.engine.tensor.FloatStorage} copies in fixed-size chunks, so any backend works.
 *
 * <p>{@link org.sparkmec.engine.optim.OptimizerSpec} and {@link org.sparkmec.engine.optim.ScheduleSpec} are
 * the typed settings that configuration and the command line fill in ({@code sgd|adam},
 * {@code constant|step|cosine}). Optimizers are not thread-safe: one thread steps one optimizer.
 */
package org.sparkmec.engine.optim;
