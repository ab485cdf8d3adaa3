/**
 * Memory accounting of the engine: {@link org.sparkmec.engine.memory.MemoryTracker} counts live and
 * peak native (or device) bytes as buffers are allocated and closed; convolution calls report the
 * workspace they allocated through {@link org.sparkmec.engine.memory.Workspace}. All sizes are bytes.
 */
package org.sparkmec.engine.memory;
