package org.sparkmec.engine.tensor;


/** Allocates zero-filled {@link FloatStorage} and records every allocation in its {@link MemoryTracker}. */
public interface StorageAllocator {

    /**
     * Allocates {@code length} zero-filled floats.
     *
     * @throws IllegalArgumentException if {@code length} is negative
     */
    FloatStorage allocate(long length);

    /**
     * Allocates {@code length} floats whose initial content is unspecified: for buffers the caller
     * overwrites entirely before reading (lowered matrices). Defaults to {@link #allocate}.
     */
    default FloatStorage allocateForOverwrite(long length) {
        return allocate(length);
    }

    MemoryTracker memoryTracker();
}
