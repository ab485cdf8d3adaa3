package org.sparkmec.spark.train;

import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.sparkmec.spark.DeferredReply;

/**
 * The replies of one exchange of a training step that wait for every worker's request: one slot per worker,
 * answered together once all are in ({@link #sendAll}) or failed together when the step cannot complete
 * ({@link #failAll}). Not thread-safe: used under the {@link TrainingCoordinator}'s lock.
 */
final class WaitingReplies {
    private final DeferredReply[] replies;
    private int count;

    WaitingReplies(int workers) {
        this.replies = new DeferredReply[workers];
    }

    /**
     * Keeps {@code worker}'s reply.
     *
     * @param duplicate the message when the worker already has a reply waiting (a request sent twice)
     * @return whether every worker's reply is now in
     */
    boolean add(int worker, DeferredReply reply, Supplier<String> duplicate) {
        if (replies[worker] != null) {
            throw new IllegalStateException(duplicate.get());
        }
        replies[worker] = reply;
        return ++count == replies.length;
    }

    /** Replies waiting. */
    int count() {
        return count;
    }

    /** Tells every waiting reply that its answer follows shortly ({@link DeferredReply#imminent}). */
    void imminent() {
        for (DeferredReply r : replies) {
            if (r != null) {
                r.imminent();
            }
        }
    }

    /** Answers worker {@code w}'s reply with {@code valueFor.apply(w)}, for every worker, and empties the slots. */
    void sendAll(IntFunction<?> valueFor) {
        for (int w = 0; w < replies.length; w++) {
            replies[w].send(valueFor.apply(w));
        }
        clear();
    }

    /** Fails every waiting reply with {@code reason} and empties the slots. */
    void failAll(String reason) {
        for (DeferredReply r : replies) {
            if (r != null) {
                r.fail(new IllegalStateException(reason));
            }
        }
        clear();
    }

    private void clear() {
        Arrays.fill(replies, null);
        count = 0;
    }
}
