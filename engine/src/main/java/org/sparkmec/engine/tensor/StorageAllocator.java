package org.sparkmec.engine.tensor;

import org.sparkmec.engine.memory.MemoryTracker;

/** Allocates zero-filled {@link FloatStorage} and records every allocation in its {@link MemoryTracker}. */
public interface StorageAllocator {

    /**
     * Allocates {@code length} zero-filled floats.
     *
     * @throws IllegalArgumentException if {@code length} is negative
     */
    FloatStorage allocate(long length);

    MemoryTracker memoryTracker();
}
