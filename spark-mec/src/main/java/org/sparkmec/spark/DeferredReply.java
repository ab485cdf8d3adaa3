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
}
