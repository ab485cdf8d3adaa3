/**
 * Convolution workspace: {@link org.sparkmec.engine.memory.Workspace} allocates the temporary buffers of one
 * convolution call, counts them by {@link org.sparkmec.engine.memory.WorkspacePart} and frees them on close, so
 * that every call reports the workspace it used. All sizes are bytes. The per-backend live and peak byte counts
 * are {@link org.sparkmec.engine.tensor.MemoryTracker}'s, next to the storage that reports to it.
 */
package org.sparkmec.engine.memory;
