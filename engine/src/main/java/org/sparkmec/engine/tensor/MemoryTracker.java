package org.sparkmec.engine.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the engine's live and peak native bytes.
 *
 * <p>Every buffer a backend allocates reports its size here on allocation and on close, so the numbers
 * are measurements of what was allocated, not estimates. Thread-safe: buffers may be allocated and
 * closed from any thread.
 */
public final class MemoryTracker {
    private final String name;
    private final AtomicLong liveBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicLong totalAllocatedBytes = new AtomicLong();
    private final AtomicLong cachedBytes = new AtomicLong();

    public MemoryTracker(String name) {
        this.name = name;
    }

    /** Records {@code bytes} newly allocated. */
    public void allocated(long bytes) {
        long live = liveBytes.addAndGet(bytes);
        totalAllocatedBytes.addAndGet(bytes);
        peakBytes.accumulateAndGet(live, Math::max);
    }

    /** Records {@code bytes} released. */
    public void released(long bytes) {
        liveBytes.addAndGet(-bytes);
    }

    /** Records a change of the bytes an allocator keeps reserved for reuse (not live, not returned to the OS). */
    public void cachedChanged(long delta) {
        cachedBytes.addAndGet(delta);
    }

    /** Bytes freed by their owners but kept by the allocator for reuse. */
    public long cachedBytes() {
        return cachedBytes.get();
    }

    /** Bytes allocated and not yet released. */
    public long liveBytes() {
        return liveBytes.get();
    }

    /** Highest {@link #liveBytes()} seen since creation or the last {@link #resetPeak()}. */
    public long peakBytes() {
        return peakBytes.get();
    }

    /** Sum of all allocations ever recorded (monotonic; differences measure what a call allocated). */
    public long totalAllocatedBytes() {
        return totalAllocatedBytes.get();
    }

    /** Starts a new peak window at the current live size. */
    public void resetPeak() {
        peakBytes.set(liveBytes.get());
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "MemoryTracker[" + name + ": live=" + liveBytes() + " B, peak=" + peakBytes() + " B, cached="
                + cachedBytes() + " B]";
    }
}
