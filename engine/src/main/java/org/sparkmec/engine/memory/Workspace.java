package org.sparkmec.engine.memory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.StorageAllocator;

/**
 * The temporary buffers of one convolution call, and a measurement of their size.
 *
 * <p>Use per call: {@code try (Workspace ws = new Workspace(backend)) { ... }}. Every buffer allocated
 * here is counted by part and freed by {@link #close()} (idempotent). Confined to the calling thread.
 */
public final class Workspace implements AutoCloseable {
    private final StorageAllocator allocator;
    private final List<FloatStorage> buffers = new ArrayList<>();
    private final Map<WorkspacePart, Long> bytesByPart = new EnumMap<>(WorkspacePart.class);
    private boolean closed;

    public Workspace(StorageAllocator allocator) {
        this.allocator = allocator;
    }

    /** Allocates {@code floats} zero-filled floats counted as {@code part}. */
    public FloatStorage allocate(WorkspacePart part, long floats) {
        return track(part, allocator().allocate(floats));
    }

    /**
     * Allocates {@code floats} floats of unspecified content counted as {@code part}, for a buffer the
     * caller overwrites entirely before reading it.
     */
    public FloatStorage allocateForOverwrite(WorkspacePart part, long floats) {
        return track(part, allocator().allocateForOverwrite(floats));
    }

    private StorageAllocator allocator() {
        if (closed) {
            throw new IllegalStateException("workspace already closed");
        }
        return allocator;
    }

    private FloatStorage track(WorkspacePart part, FloatStorage storage) {
        buffers.add(storage);
        bytesByPart.merge(part, storage.byteSize(), Long::sum);
        return storage;
    }

    /** Bytes allocated for {@code part} so far. */
    public long bytes(WorkspacePart part) {
        return bytesByPart.getOrDefault(part, 0L);
    }

    /** Bytes allocated so far, all parts. */
    public long totalBytes() {
        return bytesByPart.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Frees every buffer. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (FloatStorage b : buffers) {
            b.close();
        }
        buffers.clear();
    }
}
