package org.sparkmec.spark;

/**
 * A failure of a Spark run that retrying cannot fix: a configuration or environment error (a backend that
 * cannot be used, an invalid setting on the executors, too few task slots) or a diverged training run. The run
 * stops at once, without Spark's task or stage retries, and the message is one line naming the cause and
 * where it happened (the executor, the step); the full trace, where there is one, is in the log.
 */
public class PermanentFailureException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public PermanentFailureException(String message) {
        super(message);
    }

    public PermanentFailureException(String message, Throwable cause) {
        super(message, cause);
    }

}
