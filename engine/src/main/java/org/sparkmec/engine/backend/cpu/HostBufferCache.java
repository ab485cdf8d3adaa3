package org.sparkmec.engine.backend.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.sparkmec.engine.tensor.MemoryTracker;

/**
 * Keeps freed native buffers for reuse, by exact size, up to a byte budget.
 *
 * <p>Why: a training step or a benchmark allocates the same workspace sizes again and again, and large
 * {@code calloc}s are fresh {@code mmap}s whose pages fault in on first touch and are unmapped on free;
 * for MEC's 1.4 GB lowered matrix of cv4 at batch 32 that cost about a third of the forward pass. Bytes
 * kept here are reported to the tracker as cached, not live. Thread-safe.
 */
final class HostBufferCache {
    private final long capacityBytes;
    private final MemoryTracker tracker;
    private final Map<Long, ArrayDeque<Pointer>> free = new HashMap<>();
    private long cachedBytes;
    private boolean closed;

    HostBufferCache(long capacityBytes, MemoryTracker tracker) {
        this.capacityBytes = capacityBytes;
        this.tracker = tracker;
    }

    /** A cached buffer of exactly {@code bytes}, or null. Its content is unspecified. */
    synchronized Pointer take(long bytes) {
        ArrayDeque<Pointer> queue = free.get(bytes);
        if (queue == null || queue.isEmpty()) {
            return null;
        }
        cachedBytes -= bytes;
        tracker.cachedChanged(-bytes);
        return queue.pop();
    }

    /**
     * Keeps {@code p} for reuse if the budget allows and the cache is open; returns false if the caller
     * must free it.
     */
    synchronized boolean give(Pointer p, long bytes) {
        if (closed || cachedBytes + bytes > capacityBytes) {
            return false;
        }
        free.computeIfAbsent(bytes, k -> new ArrayDeque<>()).push(p);
        cachedBytes += bytes;
        tracker.cachedChanged(bytes);
        return true;
    }

    /** Frees every cached buffer and keeps none from now on (the backend is closed). */
    synchronized void close() {
        clear();
        closed = true;
    }

    /** Frees every cached buffer. */
    synchronized void clear() {
        for (ArrayDeque<Pointer> queue : free.values()) {
            for (Pointer p : queue) {
                Pointer.free(p);
            }
        }
        free.clear();
        tracker.cachedChanged(-cachedBytes);
        cachedBytes = 0;
    }

    long capacityBytes() {
        return capacityBytes;
    }
}
