package org.sparkmec.spark;

/**
 * The reply to one request that a driver-side handler may give later, from any thread: exactly one of
 * {@link #send} or {@link #fail} takes effect (later calls are ignored).
 *
 * <p>Thread-safe.
 */
public interface DeferredReply {
    /** Answers the request with {@code value} (Java-serialized when the asker is in another JVM). */
    void send(Object value);

    /** Fails the request: the asker's call throws with {@code cause}'s message. */
    void fail(Throwable cause);

    /**
     * Says that {@link #send} or {@link #fail} follows within about a millisecond (a step's commit has begun): an
     * asker in this JVM then spins instead of sleeping, so that its wake-up does not add to the reply's latency.
     * Call it only when the answer needs no other thread of this JVM (a spinning asker takes a core). A hint: the
     * default, and replies to other JVMs, ignore it.
     */
    default void imminent() {
    }
}
