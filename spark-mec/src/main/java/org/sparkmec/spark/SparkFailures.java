package org.sparkmec.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a user needs to read of a failure: one line, without the stack trace (that goes to the log). */
public final class SparkFailures {
    /** An exception's first line in a Spark failure message: {@code java.lang.IllegalStateException: ...}. */
    private static final Pattern EXCEPTION_LINE = Pattern.compile("^[\\w.$]+(Exception|Error): .*");

    /**
     * The logger of the full traces of failures that the user reads in one line: conf/log4j2.properties sends it
     * to the log file only.
     */
    public static final String TRACE_LOGGER = "org.sparkmec.trace";

    private SparkFailures() {
    }

    /**
     * {@code t}'s message on one line, with the first line of the root cause's message when it adds something;
     * an {@link OutOfMemoryError} says so and names the setting to raise.
     */
    public static String describe(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        Throwable root = root(t);
        String rootMessage = root.getMessage() == null ? null : firstLine(root.getMessage());
        if (root != t && rootMessage != null && !message.contains(rootMessage)) {
            message += " (cause: " + rootMessage + ")";
        }
        if (t instanceof OutOfMemoryError) {
            message = "out of memory (" + message + "): raise the executors' heap, spark.executor.memory (in local "
                    + "mode the driver's: MEC_JAVA_OPTS=-Xmx8g under ./mec, spark.driver.memory under spark-submit)";
        }
        return oneLine(message);
    }

    /**
     * The reason of a failed Spark job on one line: the first line of the failure's message and the executor's
     * exception (Spark's message ends with the executor's exception and stack trace; the root cause is used when
     * the message has none).
     */
    public static String reason(Throwable e) {
        String message = String.valueOf(e.getMessage());
        String first = firstLine(message);
        String reason = message.lines().skip(1).map(EXCEPTION_LINE::matcher).filter(Matcher::find)
                .map(Matcher::group).findFirst().orElse(null);
        if (reason == null) {
            Throwable t = root(e);
            reason = t == e ? null : firstLine(t.toString());
        }
        return reason == null || first.contains(reason) ? first : first + " Cause: " + reason;
    }

    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("").strip();
    }

    private static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
